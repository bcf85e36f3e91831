import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { parseQueueFileName, queueFileName } from "@kiroku/recorder";
import { segmentKey } from "@kiroku/shared";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { makeRecorderSegment } from "@kiroku/test/recorder-segment";
import { getBytes, openMultipartUploads, sha256, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketSegments, names, startDaemon } from "./upload-harness";

/**
 * Acceptance, crash: SIGKILL the daemon while it uploads (a backlog of
 * multipart-sized segments and live ones), start it again: everything
 * completed before the kill ends up in the bucket, once, under its own key,
 * and no multipart upload stays open.
 */
describe("recorder daemon killed in the middle of uploads", () => {
  let s3: TestS3;
  let spoolDir: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "crash-e2e" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-crash-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("uploads everything completed before SIGKILL after a restart, nothing twice, no open multipart upload", async () => {
    // A backlog of an earlier run: 8 real 30 s segments of about 12 MB (3 parts of
    // 5 MiB each). Queued files are verified as video at start, so they are
    // real ones, each made distinct by one byte of video payload.
    const queue = path.join(spoolDir, "yard", "queue");
    await mkdir(queue, { recursive: true });
    await mkdir(path.join(spoolDir, "made"));
    const made = await makeRecorderSegment({
      dir: path.join(spoolDir, "made"),
      seconds: 30,
      size: { width: 640, height: 360 },
      videoBitrate: 3_000_000,
    });
    const video = await readFile(made.path);
    await rm(path.join(spoolDir, "made"), { recursive: true });
    expect(video.length).toBeGreaterThan(10 * 1024 * 1024);
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 8; i++) {
      const ref = {
        channel: "yard",
        startMs: t0 + i * 30_000,
        durationMs: made.csvDurationMs,
        run: 1,
        seq: i + 1,
      };
      const copy = Buffer.from(video);
      const at = Math.floor(copy.length / 2 / 188) * 188 + 187; // last byte of a packet: payload
      copy[at] = copy[at]! ^ (i + 1);
      await writeFile(path.join(queue, queueFileName(ref)), copy);
    }
    const env = {
      ...s3.env,
      CHANNEL: "yard",
      SPOOL_DIR: spoolDir,
      UPLOAD_PART_SIZE: "5M",
      UPLOAD_CONCURRENCY: "2",
    };
    const first = startDaemon(env);
    // Kill as soon as the first upload is confirmed: others are in flight.
    await first.waitForLog(
      () => first.logs.filter((l) => l.msg === "segment uploaded").length >= 1,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 100)); // the next multipart uploads are under way
    first.proc.kill("SIGKILL");
    const killed = await first.exited;
    expect(killed.signal).toBe("SIGKILL");
    // Informational: whether the kill landed mid-multipart depends on timing.
    const openAfterKill = await openMultipartUploads(s3.s3, s3.bucket);
    console.log(`multipart uploads open right after SIGKILL: ${openAfterKill.length}`);

    // What was complete at the kill: the queue (capture recovers anything listed in incoming/ too).
    const completed = new Map<string, string>();
    for (const name of await names(queue)) {
      completed.set(name, sha256(await readFile(path.join(queue, name))));
    }
    const before = await bucketSegments(s3, "yard");
    console.log(
      `in the bucket at the kill: ${before.map((s) => s.seq).join(",")}; queue: ${completed.size}`,
    );
    expect(completed.size + before.length).toBeGreaterThanOrEqual(8);

    // Make sure the restart has an orphan to clean up whatever the timing: a
    // multipart upload of a segment key with one part in it, as a kill
    // between UploadPart and CompleteMultipartUpload leaves.
    const orphanRef = {
      channel: "yard",
      startMs: t0,
      durationMs: made.csvDurationMs,
      run: 1,
      seq: 1,
    };
    const orphan = await s3.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: segmentKey("movie", orphanRef),
        ContentType: "video/mp2t",
      }),
    );
    await s3.s3.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: segmentKey("movie", orphanRef),
        UploadId: orphan.UploadId,
        PartNumber: 1,
        Body: randomBytes(5 * 1024 * 1024),
      }),
    );
    const openBeforeRestart = await openMultipartUploads(s3.s3, s3.bucket);
    expect(openBeforeRestart.length).toBe(openAfterKill.length + 1);

    const second = startDaemon(env);
    try {
      await waitFor(
        async () => {
          const left = await names(queue);
          return [...completed.keys()].every((n) => !left.includes(n));
        },
        60_000,
        "the restarted daemon to upload every segment completed before the kill",
        250,
      );
    } finally {
      expect((await second.stop("SIGTERM")).code).toBe(0);
    }

    const after = await bucketSegments(s3, "yard");
    // Everything completed before the kill is there, byte-identical.
    for (const [name, hash] of completed) {
      const ref = parseQueueFileName("yard", name)!;
      expect(sha256(await getBytes(s3.s3, s3.bucket, segmentKey("movie", ref)))).toBe(hash);
    }
    // Nothing under another key: one key per sequence number.
    expect(new Set(after.map((s) => s.seq)).size).toBe(after.length);
    for (let seq = 1; seq <= 8; seq++)
      expect(after.some((s) => s.seq === seq && s.run === 1)).toBe(true);
    // The restart aborted every multipart upload left open, and left none of its own.
    expect(
      second.logs.filter((l) => l.msg === "aborted a multipart upload left open by a previous run"),
    ).toHaveLength(openBeforeRestart.length);
    expect(await openMultipartUploads(s3.s3, s3.bucket)).toEqual([]);
    expect(await names(queue)).toEqual([]);
  }, 180_000);
});
