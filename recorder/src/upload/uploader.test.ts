import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { segmentKey, silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CompletedSegment } from "../spool/completed-segment";
import { channelSpool, queueFileName } from "../spool/spool-layout";
import { FakeS3Client, s3Error } from "./fake-s3-client";
import { MIN_PART_SIZE, Uploader, type UploaderOptions } from "./uploader";

/**
 * The Uploader's scheduling and bookkeeping with an in-memory S3 client whose
 * requests the test settles one by one (files are real, in a temp spool).
 * Store behaviour itself is in uploader.int.test.ts.
 */
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
let dir: string;
let now: number;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-uploader-unit-"));
  now = T0 + 3_600_000;
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

async function queued(channel: string, seq: number, bytes = 100): Promise<CompletedSegment> {
  const ref = { channel, startMs: T0 + seq * 2_000, durationMs: 2_000, run: 1, seq };
  const queue = channelSpool(dir, channel).queue;
  await mkdir(queue, { recursive: true });
  const file = path.join(queue, queueFileName(ref));
  await writeFile(file, Buffer.alloc(bytes, seq));
  return { ...ref, path: file, bytes };
}

function uploader(client: FakeS3Client, over: Partial<UploaderOptions> = {}): Uploader {
  return new Uploader({
    s3: client.asClient(),
    bucket: "b",
    movieKey: "movie",
    spoolDir: dir,
    concurrency: 2,
    partSize: MIN_PART_SIZE,
    keepUploadedMs: 0,
    retry: {
      backoff: { initialMs: 250, factor: 2, maxMs: 1_000, jitter: 0.3 },
      permanentRetryMs: 30_000,
    },
    recorderVersion: "test",
    log: silentLogger(),
    clock: () => now,
    random: () => 0.5, // no jitter
    ...over,
  });
}

/** Lets real file I/O and promise chains run (no timers involved). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5_000; // real time: only file I/O is awaited here
  while (performance.now() < deadline) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const seqOf = (key: string) => Number(/_s(\d+)\.ts$/.exec(key)?.[1]);
const sentSeqs = (s3: FakeS3Client) => s3.keys().map(seqOf);
const bySeq = (a: number, b: number) => a - b;
/** The (single) request that carries segment `seq`. */
function request(s3: FakeS3Client, seq: number) {
  const found = s3.requests.filter((r) => seqOf(String(r.input.Key)) === seq);
  if (found.length !== 1) throw new Error(`expected one request for s${seq}, got ${found.length}`);
  return found[0]!;
}

describe("Uploader after a crash (in-memory S3)", () => {
  it("does not upload again a segment left in the queue that the bucket already holds, even re-keyed since", async () => {
    // s1 was stored under its 2000 ms key before the power cut; its torn copy was then
    // trimmed and re-keyed to 1200 ms at start-up. s2 never reached the bucket.
    const first = { channel: "cam", startMs: T0 + 2_000, durationMs: 2_000, run: 1, seq: 1 };
    const queue = channelSpool(dir, "cam").queue;
    await mkdir(queue, { recursive: true });
    await writeFile(path.join(queue, queueFileName({ ...first, durationMs: 1_200 })), "torn");
    await queued("cam", 2);
    const s3 = new FakeS3Client({
      ListMultipartUploadsCommand: { Bucket: "fake", Uploads: [], IsTruncated: false },
      ListObjectsV2Command: { Contents: [{ Key: segmentKey("movie", first) }] },
    });
    const u = uploader(s3);
    expect(await u.resume()).toBe(2);
    await s3.waitFor(1);
    request(s3, 2).resolve();
    await u.idle();
    expect(sentSeqs(s3)).toEqual([2]);
    expect(await readdir(queue)).toEqual([]);
    // One listing per resumed segment; a segment handed over while running is not looked up.
    expect(s3.answered.filter((a) => a.command === "ListObjectsV2Command")).toHaveLength(2);
    u.enqueue(await queued("cam", 3));
    await s3.waitFor(2);
    expect(s3.answered.filter((a) => a.command === "ListObjectsV2Command")).toHaveLength(2);
  });
});

describe("Uploader scheduling (in-memory S3)", () => {
  it("never uploads a segment keyed before the time floor: it goes to partial/, the others go up", async () => {
    const early = { channel: "cam", startMs: 17_000, durationMs: 2_000, run: 1, seq: 1 };
    const queue = channelSpool(dir, "cam").queue;
    await mkdir(queue, { recursive: true });
    await writeFile(path.join(queue, queueFileName(early)), Buffer.alloc(100, 1));
    await queued("cam", 2);
    const s3 = new FakeS3Client();
    const up = uploader(s3, { minStartMs: T0 });
    expect(await up.resume()).toBe(1);
    await s3.waitFor(1);
    expect(sentSeqs(s3)).toEqual([2]);
    const partial = channelSpool(dir, "cam").partial;
    for (let i = 0; i < 100 && (await readdir(partial).catch(() => [])).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await readdir(partial)).toEqual([`early_${queueFileName(early)}`]);
    expect(await readdir(queue)).toEqual([
      queueFileName({ ...early, startMs: T0 + 4_000, seq: 2 }),
    ]);
  });

  it("resumes a backlog with the newest segment on the live slot and the oldest beside it", async () => {
    for (let seq = 1; seq <= 6; seq++) await queued("cam", seq);
    const s3 = new FakeS3Client();
    const u = uploader(s3);
    expect(await u.resume()).toBe(6);
    expect(u.queueStats("cam")).toEqual({ segments: 6, bytes: 600, oldestStartMs: T0 + 2_000 });
    await s3.waitFor(2);
    // Both slots start at once (their requests may go out in either order).
    expect(sentSeqs(s3).sort(bySeq)).toEqual([1, 6]);
    expect(s3.requests.every((r) => r.command === "PutObjectCommand")).toBe(true);

    // Each finished request frees its slot: the live slot keeps taking the newest left,
    // the backlog slot the oldest.
    for (const [done, next] of [
      [6, 5],
      [1, 2],
      [5, 4],
      [2, 3],
    ] as const) {
      request(s3, done).resolve();
      await s3.waitFor(s3.requests.length + 1);
      expect(sentSeqs(s3).at(-1)).toBe(next);
    }
    // s1 and s2 are in the bucket: the oldest still waiting is s3.
    expect(u.queueStats("cam").oldestStartMs).toBe(T0 + 3 * 2_000);
    request(s3, 4).resolve();
    request(s3, 3).resolve();
    await u.idle();
    expect(s3.requests).toHaveLength(6);
    expect(u.queueStats("cam")).toEqual({ segments: 0, bytes: 0 });
    expect(await readdir(channelSpool(dir, "cam").queue)).toEqual([]);
  });

  it("sends a segment completed during a backlog drain as soon as the live slot frees, before the backlog", async () => {
    for (let seq = 1; seq <= 5; seq++) await queued("cam", seq);
    const s3 = new FakeS3Client();
    const u = uploader(s3);
    await u.resume();
    await s3.waitFor(2); // s5 (live), s1 (backlog)
    u.enqueue(await queued("cam", 6));
    request(s3, 5).resolve(); // the live slot frees
    await s3.waitFor(3);
    expect(sentSeqs(s3).at(-1)).toBe(6);
    request(s3, 1).resolve(); // the backlog slot takes the oldest left
    await s3.waitFor(4);
    expect(sentSeqs(s3).at(-1)).toBe(2);
  });

  it("after an outage probes with one request at a time, the newest segment first, then drains beside it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    for (let seq = 1; seq <= 4; seq++) await queued("cam", seq);
    const s3 = new FakeS3Client();
    const u = uploader(s3);
    const failures: string[] = [];
    u.on("failed", (e) => failures.push(`${e.failure.kind}:${e.failure.code}`));
    await u.resume();
    await s3.waitFor(2);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    s3.requests[0]!.reject(refused);
    s3.requests[1]!.reject(refused);
    await until(() => failures.length === 2, "both failures");
    expect(failures).toEqual(["store:ECONNREFUSED", "store:ECONNREFUSED"]);
    expect(u.health.health).toBe("retrying");

    // A new segment completes during the outage.
    u.enqueue(await queued("cam", 5));
    // Backoff after 2 store failures: 250 × 2 = 500 ms. Nothing goes out before it.
    now += 499;
    await vi.advanceTimersByTimeAsync(499);
    expect(s3.requests).toHaveLength(2);
    now += 1;
    await vi.advanceTimersByTimeAsync(1);
    await s3.waitFor(3);
    // One probe only, and it is the newest segment.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s3.requests).toHaveLength(3);
    expect(seqOf(s3.keys()[2]!)).toBe(5);

    s3.requests[2]!.resolve(); // the store is back
    await s3.waitFor(5);
    expect(u.health.health).toBe("ok");
    expect(sentSeqs(s3).slice(3).sort(bySeq)).toEqual([1, 4]); // live: newest left; backlog: oldest
  });

  it("keeps a segment the store refuses on its own waiting with its own backoff while others go on", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    for (let seq = 1; seq <= 3; seq++) await queued("cam", seq);
    const s3 = new FakeS3Client();
    const u = uploader(s3, { concurrency: 1 });
    await u.resume();
    await s3.waitFor(1);
    expect(seqOf(s3.keys()[0]!)).toBe(3);
    s3.requests[0]!.reject(s3Error("BadDigest", 400));
    await s3.waitFor(2); // no store-wide pause: the next segment goes at once
    expect(seqOf(s3.keys()[1]!)).toBe(2);
    expect(u.health.health).toBe("ok");
    s3.requests[1]!.resolve();
    await s3.waitFor(3);
    expect(seqOf(s3.keys()[2]!)).toBe(1);
    s3.requests[2]!.resolve();
    await until(() => u.queueStats("cam").segments === 1, "two uploads confirmed");
    // s3 comes back after its own backoff (250 ms after its first failure).
    now += 250;
    await vi.advanceTimersByTimeAsync(250);
    await s3.waitFor(4);
    expect(seqOf(s3.keys()[3]!)).toBe(3);
  });

  it("marks wrong credentials as an error, keeps every segment, and probes at the slow fixed rate", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    for (let seq = 1; seq <= 3; seq++) await queued("cam", seq);
    const s3 = new FakeS3Client();
    const u = uploader(s3, { concurrency: 1 });
    await u.resume();
    await s3.waitFor(1);
    s3.requests[0]!.reject(s3Error("InvalidAccessKeyId", 403));
    await until(() => u.health.health === "error", "error health");
    expect(u.health.lastError?.message).toMatch(/AWS_ACCESS_KEY_ID/);
    now += 29_999;
    await vi.advanceTimersByTimeAsync(29_999);
    expect(s3.requests).toHaveLength(1);
    now += 1;
    await vi.advanceTimersByTimeAsync(1);
    await s3.waitFor(2);
    expect(u.queueStats("cam").segments).toBe(3);
    expect(await readdir(channelSpool(dir, "cam").queue)).toHaveLength(3);
  });

  it("sends the key from the schema, the bytes of the file, an MD5 of those bytes, and the segment type", async () => {
    const seg = await queued("cam", 7, 1234);
    const s3 = new FakeS3Client();
    const u = uploader(s3);
    u.enqueue(seg);
    await s3.waitFor(1);
    const input = s3.requests[0]!.input;
    expect(input.Key).toBe(segmentKey("movie", seg));
    expect(Buffer.isBuffer(input.Body) && input.Body.equals(Buffer.alloc(1234, 7))).toBe(true);
    expect(input.ContentMD5).toBe(
      (await import("node:crypto"))
        .createHash("md5")
        .update(Buffer.alloc(1234, 7))
        .digest("base64"),
    );
    expect(input.ContentType).toBe("video/mp2t");
    expect(input.Metadata).toMatchObject({ run: "1", seq: "7", "duration-ms": "2000" });
  });
});

describe("Uploader against a store without ListMultipartUploads (in-memory S3)", () => {
  it("logs once that it could not check for abandoned multipart uploads, and does not ask again", async () => {
    const warnings: string[] = [];
    const log = silentLogger();
    log.warn = ((obj: unknown, msg?: string) => {
      warnings.push(typeof obj === "string" ? obj : (msg ?? ""));
    }) as typeof log.warn;
    // The store ignores `?uploads` and answers an object listing (no Bucket).
    const s3 = new FakeS3Client({
      ListMultipartUploadsCommand: { Name: "b", Contents: [], IsTruncated: false },
      ListObjectsV2Command: { Contents: [], KeyCount: 0, IsTruncated: false },
    });
    const u = uploader(s3, { log });
    await queued("cam", 1);
    expect(await u.resumeQueue()).toBe(1);
    await s3.waitFor(1);
    request(s3, 1).resolve();
    await u.idle();
    u.enqueue(await queued("cam", 2));
    await s3.waitFor(2);
    request(s3, 2).resolve();
    await u.idle();
    expect(
      warnings.filter((w) => w.includes("does not support ListMultipartUploads")),
    ).toHaveLength(1);
    expect(s3.answered.filter((a) => a.command === "ListMultipartUploadsCommand")).toHaveLength(1);
  });
});
