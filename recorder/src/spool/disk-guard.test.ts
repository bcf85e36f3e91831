import { link, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeS3Client } from "../upload/fake-s3-client";
import { MIN_PART_SIZE, Uploader } from "../upload/uploader";
import type { CompletedSegment } from "./completed-segment";
import { type DeleteEvent, DiskGuard, type DiskGuardOptions } from "./disk-guard";
import { heldFileName } from "./held-segments";
import { folderBytes } from "./spool";
import { channelSpool, queueFileName } from "./spool-layout";
import { thumbnailSpool } from "./thumbnail-spool";

/**
 * The disk guard's drop order with a real spool folder in a temp dir and the
 * real Uploader on an in-memory S3 client whose requests the test holds, so
 * "the one being uploaded" is a fact, not a flag. Free space is injected.
 */
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const KB = 1_000;
let spoolDir: string;
let now: number;

beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-guard-"));
  now = T0 + 3_600_000;
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

/** A complete segment of `bytes` in the channel's queue (mtime by age order). */
async function queued(seq: number, bytes = 10 * KB): Promise<CompletedSegment> {
  const ref = { channel: "cam", startMs: T0 + seq * 2_000, durationMs: 2_000, run: 1, seq };
  const queue = channelSpool(spoolDir, "cam").queue;
  await mkdir(queue, { recursive: true });
  const file = path.join(queue, queueFileName(ref));
  await writeFile(file, Buffer.alloc(bytes));
  return { ...ref, path: file, bytes };
}

/** A file in `uploaded/` or `partial/`, `ageS` seconds old. */
async function extra(folder: "uploaded" | "partial", name: string, ageS: number, bytes = 10 * KB) {
  const dir = channelSpool(spoolDir, "cam")[folder];
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, Buffer.alloc(bytes));
  const t = new Date(now - ageS * 1000);
  await utimes(file, t, t);
}

function setup(over: Partial<DiskGuardOptions> = {}, concurrency = 1) {
  const s3 = new FakeS3Client();
  const uploader = new Uploader({
    s3: s3.asClient(),
    bucket: "b",
    movieKey: "movie",
    spoolDir,
    concurrency,
    partSize: MIN_PART_SIZE,
    keepUploadedMs: 3_600_000,
    retry: {
      backoff: { initialMs: 250, factor: 2, maxMs: 1_000, jitter: 0 },
      permanentRetryMs: 30_000,
    },
    recorderVersion: "test",
    log: silentLogger(),
    clock: () => now,
  });
  const deleted: DeleteEvent[] = [];
  const dropped: number[] = [];
  uploader.on("dropped", (e) => dropped.push(e.segment.seq));
  const guard = new DiskGuard({
    spoolDir,
    maxBytes: 1_000 * KB,
    minFreeBytes: 0,
    keepUploadedMs: 3_600_000,
    queue: uploader,
    log: silentLogger(),
    clock: () => now,
    freeBytes: async () => 10 ** 12,
    onDelete: (e) => deleted.push(e),
    ...over,
  });
  return { s3, uploader, guard, deleted, dropped };
}

const order = (deleted: DeleteEvent[]) =>
  deleted.map((d) => `${d.kind}:${path.basename(d.file).replace(/^.*_s(\d+)\.ts$/, "s$1")}`);

describe("DiskGuard", () => {
  it("drops held segments (a clock that never synchronises) oldest first, keeping the bound", async () => {
    const held = channelSpool(spoolDir, "cam").held;
    await mkdir(held, { recursive: true });
    for (let seq = 1; seq <= 6; seq++)
      await writeFile(
        path.join(
          held,
          heldFileName("boot1", { startMs: seq * 2_000, durationMs: 2_000, run: 1, seq }),
        ),
        Buffer.alloc(10 * KB),
      );
    await mkdir(channelSpool(spoolDir, "cam").queue, { recursive: true });
    // 60 kB held; the bound leaves room for 3 files (+ 2 × 10 kB headroom).
    const { guard, deleted } = setup({ maxBytes: 50 * KB });
    guard.noteSegment(10 * KB);
    const usage = await guard.check();
    expect(order(deleted)).toEqual(["held:s1", "held:s2", "held:s3"]);
    expect(usage.spoolBytes).toBeLessThanOrEqual(30 * KB);
    expect((await readdir(held)).length).toBe(3);
  });

  it("drops partial files first, then uploaded copies, then the oldest queued segments, and stops once under the bound", async () => {
    await extra("partial", "p-new.ts", 10);
    await extra("partial", "p-old.ts", 100);
    await extra("uploaded", "u-new.ts", 20);
    await extra("uploaded", "u-old.ts", 200);
    for (let seq = 1; seq <= 6; seq++) await queued(seq);
    // 10 files of 10 kB = 100 kB; the bound leaves room for 3 files (+ 2 × 10 kB headroom).
    const { s3, uploader, guard, deleted, dropped } = setup({ maxBytes: 50 * KB });
    guard.noteSegment(10 * KB);
    await uploader.resume();
    await s3.waitFor(1); // the newest (s6) is in flight on the live slot
    const usage = await guard.check();
    expect(order(deleted)).toEqual([
      "partial:p-old.ts",
      "partial:p-new.ts",
      "uploaded-copy:u-old.ts",
      "uploaded-copy:u-new.ts",
      "queued:s1",
      "queued:s2",
      "queued:s3",
    ]);
    expect(dropped).toEqual([1, 2, 3]);
    expect(usage.spoolBytes).toBeLessThanOrEqual(50 * KB - 2 * 10 * KB);
    expect(await folderBytes(spoolDir)).toBe(usage.spoolBytes);
    // s1 to s3 dropped: the oldest left is s4.
    expect(uploader.queueStats("cam")).toEqual({
      segments: 3,
      bytes: 30 * KB,
      oldestStartMs: T0 + 4 * 2_000,
    });
    expect(
      deleted.filter((d) => d.kind === "queued").every((d) => d.key?.startsWith("movie/cam/")),
    ).toBe(true);
  });

  it("counts a segment with two names (mid-move into queue/) once, and drops one segment where one is enough", async () => {
    for (let seq = 1; seq <= 6; seq++) await queued(seq);
    // s6 still has its attempt folder's name too (link done, unlink not yet).
    const attempt = path.join(channelSpool(spoolDir, "cam").incoming, "a1");
    await mkdir(attempt, { recursive: true });
    const s6 = (await readdir(channelSpool(spoolDir, "cam").queue)).find((n) =>
      n.endsWith("_s6.ts"),
    )!;
    await link(
      path.join(channelSpool(spoolDir, "cam").queue, s6),
      path.join(attempt, "seg000005.ts"),
    );
    expect(await folderBytes(spoolDir)).toBe(60 * KB);
    // 60 kB + 2 × 10 kB headroom against a 70 kB bound: one 10 kB segment must go, not two.
    const { s3, uploader, guard, deleted } = setup({ maxBytes: 70 * KB });
    guard.noteSegment(10 * KB);
    await uploader.resume();
    await s3.waitFor(1);
    const usage = await guard.check();
    expect(order(deleted)).toEqual(["queued:s1"]);
    expect(usage.spoolBytes).toBe(50 * KB);
  });

  it("gives up waiting thumbnails first: their links would keep dropped segments on the disk", async () => {
    // Six queued segments, each also linked for a thumbnail not made yet (a busy machine).
    const work = thumbnailSpool(spoolDir, "cam").work;
    await mkdir(work, { recursive: true });
    for (let seq = 1; seq <= 6; seq++) {
      const seg = await queued(seq);
      await link(seg.path, path.join(work, path.basename(seg.path)));
    }
    const { s3, uploader, guard, deleted } = setup({ maxBytes: 50 * KB });
    guard.noteSegment(10 * KB);
    await uploader.resume();
    await s3.waitFor(1);
    const usage = await guard.check();
    // Measured independently (du-style, by inode): within the bound after one check.
    expect(await folderBytes(spoolDir)).toBeLessThanOrEqual(50 * KB - 2 * 10 * KB);
    expect(usage.spoolBytes).toBe(await folderBytes(spoolDir));
    expect(order(deleted)).toEqual(["queued:s1", "queued:s2", "queued:s3"]);
    expect(await readdir(work)).toEqual([]);
  });

  it("never drops a segment while it is being uploaded, even the oldest", async () => {
    for (let seq = 1; seq <= 4; seq++) await queued(seq);
    // Concurrency 2: s4 on the live slot and s1 (the oldest) on the backlog slot, both held.
    const { s3, uploader, guard, deleted } = setup({ maxBytes: 1 }, 2);
    await uploader.resume();
    await s3.waitFor(2);
    // (the two requests may go out in either order)
    expect(
      s3
        .keys()
        .map((k) => Number(/_s(\d+)\.ts$/.exec(k)![1]))
        .sort(),
    ).toEqual([1, 4]);
    await guard.check();
    expect(order(deleted)).toEqual(["queued:s2", "queued:s3"]);
    const left = (await readdir(channelSpool(spoolDir, "cam").queue)).map(
      (n) => /_s(\d+)\.ts$/.exec(n)![1],
    );
    expect(left).toEqual(["1", "4"]);
  });

  it("keeps the free-disk floor by the same order", async () => {
    await extra("uploaded", "u.ts", 10);
    for (let seq = 1; seq <= 3; seq++) await queued(seq);
    let free = 35 * KB; // floor 50 kB: 15 kB short, then 2 × 10 kB of headroom (s3 is in flight)
    const { s3, uploader, guard, deleted } = setup({
      minFreeBytes: 50 * KB,
      freeBytes: async () => free,
      onDelete: (e) => {
        deleted.push(e);
        free += e.bytes;
      },
    });
    guard.noteSegment(10 * KB);
    await uploader.resume();
    await s3.waitFor(1);
    await guard.check();
    expect(order(deleted)).toEqual(["uploaded-copy:u.ts", "queued:s1", "queued:s2"]);
    expect(free).toBeGreaterThanOrEqual(50 * KB + 10 * KB);
  });

  it("drops nothing while the spool is inside its bounds, but removes copies past their keep time", async () => {
    await extra("uploaded", "expired.ts", 7_200);
    await extra("uploaded", "fresh.ts", 60);
    await queued(1);
    const { guard, deleted } = setup();
    await guard.check();
    expect(deleted).toEqual([]);
    expect(await readdir(channelSpool(spoolDir, "cam").uploaded)).toEqual(["fresh.ts"]);
  });

  it("stop() resolves only after the checks already asked for, so their drops are counted before it returns", async () => {
    for (let seq = 1; seq <= 3; seq++) await queued(seq);
    // Measuring the free space is held by the test: a check on a slow SD card.
    const measuring: (() => void)[] = [];
    const { s3, uploader, guard, dropped } = setup({
      maxBytes: 25 * KB,
      freeBytes: () => new Promise<number>((resolve) => measuring.push(() => resolve(10 ** 12))),
    });
    guard.noteSegment(10 * KB);
    await uploader.resume();
    await s3.waitFor(1); // s3 in flight, s1 and s2 waiting
    const first = guard.check(); // the check a completed segment starts
    void guard.check(); // one more asked for while it runs (the next segment)
    while (measuring.length === 0) await new Promise((r) => setTimeout(r, 5));
    let stopped = false;
    const stopping = guard.stop().then(() => {
      stopped = true;
    });
    // Let the held checks go, one measurement at a time, as they come.
    const release = setInterval(() => measuring.shift()?.(), 5);
    try {
      await stopping;
    } finally {
      clearInterval(release);
    }
    expect(stopped).toBe(true);
    // Both checks ran to the end before stop() resolved: 30 kB + 10 kB headroom
    // over a 25 kB bound drops s1 and s2 (the follow-up check finds nothing more).
    expect(dropped).toEqual([1, 2]);
    expect(uploader.queueStats("cam").segments).toBe(1);
    await first;
    // After stop(), a check changes nothing and answers the last measurement.
    await queued(4);
    await guard.check();
    expect(dropped).toEqual([1, 2]);
  });
});
