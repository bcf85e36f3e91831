import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createS3Client, segmentKey, silentLogger } from "@kiroku/shared";
import {
  getObject,
  listAll,
  openMultipartUploads,
  sha256,
  startTestS3,
  type TestS3,
} from "@kiroku/test/s3";
import { makeSegmentFiles } from "@kiroku/test/segments";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletedSegment } from "../spool/completed-segment";
import { channelSpool, queueFileName } from "../spool/spool-layout";
import { defaultUploadRetryPolicy } from "./upload-retry";
import { MIN_PART_SIZE, type UploadedEvent, Uploader, type UploaderOptions } from "./uploader";

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

let s3: TestS3;
let segmentFiles: Awaited<ReturnType<typeof makeSegmentFiles>>;
const temps: string[] = [];

beforeAll(async () => {
  [s3, segmentFiles] = await Promise.all([startTestS3(), makeSegmentFiles({ count: 6 })]);
});
afterAll(async () => {
  await s3.cleanup();
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function spoolDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-spool-"));
  temps.push(dir);
  return dir;
}

/** Puts real segment files into a channel's queue the way capture does; returns them as handed over. */
async function queueSegments(
  dir: string,
  channel: string,
  count: number,
  first = { run: 1, seq: 1, startMs: T0 },
): Promise<CompletedSegment[]> {
  const spool = channelSpool(dir, channel);
  await mkdir(spool.queue, { recursive: true });
  const out: CompletedSegment[] = [];
  let at = first.startMs;
  for (let i = 0; i < count; i++) {
    const f = segmentFiles[i % segmentFiles.length]!;
    const ref = {
      channel,
      startMs: at,
      durationMs: f.durationMs,
      run: first.run,
      seq: first.seq + i,
    };
    const file = path.join(spool.queue, queueFileName(ref));
    await copyFile(f.path, file);
    out.push({
      ...ref,
      path: file,
      bytes: f.bytes,
      media: { videoCodec: "h264", width: 320, height: 240 },
    });
    at += f.durationMs;
  }
  return out;
}

function uploader(dir: string, over: Partial<UploaderOptions> = {}): Uploader {
  return new Uploader({
    s3: s3.s3,
    bucket: s3.bucket,
    movieKey: "movie",
    spoolDir: dir,
    concurrency: 2,
    partSize: MIN_PART_SIZE,
    keepUploadedMs: 0,
    retry: defaultUploadRetryPolicy(2_000, 500),
    recorderVersion: "test",
    log: silentLogger(),
    ...over,
  });
}

describe("Uploader against the embedded S3 server", () => {
  it("uploads each segment byte-identical under its schema key with type and metadata, then empties the queue", async () => {
    const dir = await spoolDir();
    const segs = await queueSegments(dir, "up1", 4);
    const hashes = await Promise.all(segs.map(async (s) => sha256(await readFile(s.path))));
    const u = uploader(dir);
    for (const s of segs) u.enqueue(s);
    await u.idle();
    for (const [i, s] of segs.entries()) {
      const obj = await getObject(s3.s3, s3.bucket, segmentKey("movie", s));
      expect(sha256(obj.body)).toBe(hashes[i]);
      expect(obj.contentType).toBe("video/mp2t");
      expect(obj.metadata).toMatchObject({
        channel: "up1",
        run: "1",
        seq: String(s.seq),
        "duration-ms": String(s.durationMs),
        "video-codec": "h264",
        resolution: "320x240",
        "recorder-version": "test",
      });
    }
    expect(await readdir(channelSpool(dir, "up1").queue)).toEqual([]);
    expect(u.queueStats("up1")).toEqual({ segments: 0, bytes: 0 });
  });

  it("keeps confirmed copies in uploaded/ when asked to", async () => {
    const dir = await spoolDir();
    const [seg] = await queueSegments(dir, "keep", 1);
    const u = uploader(dir, { keepUploadedMs: 60_000 });
    u.enqueue(seg!);
    await u.idle();
    expect(await readdir(channelSpool(dir, "keep").uploaded)).toEqual([path.basename(seg!.path)]);
    expect(await readdir(channelSpool(dir, "keep").queue)).toEqual([]);
  });

  it("uploads a segment larger than a part as multipart, byte-identical, leaving no open upload", async () => {
    const dir = await spoolDir();
    const spool = channelSpool(dir, "big");
    await mkdir(spool.queue, { recursive: true });
    const ref = { channel: "big", startMs: T0, durationMs: 30_000, run: 1, seq: 1 };
    const file = path.join(spool.queue, queueFileName(ref));
    const bytes = randomBytes(MIN_PART_SIZE + 1_234_567);
    await writeFile(file, bytes);
    const u = uploader(dir);
    const done = new Promise<UploadedEvent>((r) => u.once("uploaded", r));
    u.enqueue({ ...ref, path: file, bytes: bytes.length });
    const ev = await done;
    expect(ev.multipart).toBe(true);
    const obj = await getObject(s3.s3, s3.bucket, segmentKey("movie", ref));
    expect(sha256(obj.body)).toBe(sha256(bytes));
    expect(await openMultipartUploads(s3.s3, s3.bucket)).toEqual([]);
  });

  it("resumes the queue left by a crash, aborts the multipart upload it left open, and parks junk in partial/", async () => {
    const dir = await spoolDir();
    const segs = await queueSegments(dir, "crash", 3, { run: 7, seq: 40, startMs: T0 + 3_600_000 });
    const spool = channelSpool(dir, "crash");
    await writeFile(path.join(spool.queue, "notes.txt"), "not a segment");
    // A multipart upload the "crashed" process never completed nor aborted.
    const orphanKey = segmentKey("movie", { ...segs[0]!, seq: 99 });
    const mpu = await s3.s3.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: orphanKey }),
    );
    await s3.s3.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: orphanKey,
        UploadId: mpu.UploadId,
        PartNumber: 1,
        Body: randomBytes(1024),
      }),
    );
    expect(await openMultipartUploads(s3.s3, s3.bucket)).toContain(orphanKey);

    const u = uploader(dir);
    expect(await u.resume()).toBe(3);
    await u.idle();
    expect(await openMultipartUploads(s3.s3, s3.bucket)).not.toContain(orphanKey);
    const keys = (await listAll(s3.s3, s3.bucket, "movie/crash/")).map((o) => o.key);
    expect(keys.sort()).toEqual(segs.map((s) => segmentKey("movie", s)).sort());
    expect(await readdir(spool.queue)).toEqual([]);
    expect(await readdir(spool.partial)).toEqual(["queue_notes.txt"]);
  });

  it("rides out an outage: retries with backoff, then sends the newest segment first and drains the rest", async () => {
    const local = await startTestS3({ bucket: "outage" });
    try {
      const dir = await spoolDir();
      const segs = await queueSegments(dir, "out", 6);
      const u = uploader(dir, { s3: local.s3, bucket: local.bucket, concurrency: 2 });
      const order: number[] = [];
      u.on("uploaded", (e) => order.push(e.segment.seq));
      const failures: string[] = [];
      u.on("failed", (e) => failures.push(e.failure.kind));
      await local.stop();
      for (const s of segs) u.enqueue(s);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(u.health.health).toBe("retrying");
      expect(u.health.lastError?.code).toBe("ECONNREFUSED");
      expect(failures.every((k) => k === "store")).toBe(true);
      // One probe at a time while failing, at most ~1 s apart: a handful, not a storm.
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures.length).toBeLessThan(15);
      expect(order).toEqual([]);
      await local.start();
      await u.idle();
      expect(u.health.health).toBe("ok");
      expect(order[0]).toBe(6); // the newest went first
      expect([...order].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      const keys = (await listAll(local.s3, local.bucket, "movie/out/")).map((o) => o.key);
      expect(keys.length).toBe(6);
    } finally {
      await local.cleanup();
    }
  });

  it("reports wrong credentials as an error, keeps the segments, and recovers once the credentials work", async () => {
    const dir = await spoolDir();
    const segs = await queueSegments(dir, "creds", 2);
    const bad = createS3Client(
      { ...s3.settings, credentials: { accessKeyId: "S3RVER", secretAccessKey: "wrong-secret" } },
      { maxAttempts: 1 },
    );
    const u = uploader(dir, { s3: bad });
    const health = new Promise((r) => u.once("health", r));
    for (const s of segs) u.enqueue(s);
    await health;
    expect(u.health.health).toBe("error");
    expect(u.health.lastError?.code).toBe("SignatureDoesNotMatch");
    expect(u.health.lastError?.message).toMatch(/AWS_SECRET_ACCESS_KEY/);
    expect(u.health.lastError?.message).not.toContain("wrong-secret");
    await u.stop(0);
    expect((await readdir(channelSpool(dir, "creds").queue)).length).toBe(2);
    // The fix: a new process with good credentials resumes the queue.
    const good = uploader(dir);
    expect(await good.resume()).toBe(2);
    await good.idle();
    expect((await listAll(s3.s3, s3.bucket, "movie/creds/")).length).toBe(2);
  });

  it("rewrites the same key with the same bytes when a segment is uploaded twice (idempotent retry)", async () => {
    const dir = await spoolDir();
    const [seg] = await queueSegments(dir, "idem", 1);
    const body = await readFile(seg!.path);
    await s3.s3.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: segmentKey("movie", seg!), Body: body }),
    );
    const u = uploader(dir);
    u.enqueue(seg!);
    await u.idle();
    const objects = await listAll(s3.s3, s3.bucket, "movie/idem/");
    expect(objects).toEqual([{ key: segmentKey("movie", seg!), size: body.length }]);
  });
});
