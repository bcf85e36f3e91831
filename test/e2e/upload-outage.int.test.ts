import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { queueFileName } from "@kiroku/recorder";
import { segmentKey } from "@kiroku/shared";
import { getBytes, openMultipartUploads, sha256, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketSegments, freePort, httpGet, names, sleep, startDaemon } from "./upload-harness";

/**
 * Acceptance, outage: 2 s segments from the real recorder process, the S3
 * server stopped for 60 s and started again on the same port and folder.
 */
describe("recorder daemon through a 60 s S3 outage", () => {
  let s3: TestS3;
  let spoolDir: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "outage-e2e" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-outage-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("keeps recording, uploads every segment exactly once byte-identical, newest first when S3 returns; /healthz flips and recovers", async () => {
    const metricsPort = await freePort();
    const daemon = startDaemon({
      ...s3.env,
      CHANNEL: "door",
      SPOOL_DIR: spoolDir,
      KEEP_UPLOADED_SECONDS: "3600", // keep copies to compare bytes afterwards
      METRICS_PORT: String(metricsPort),
      HEALTH_STALL_SECONDS: "10",
    });
    try {
      await daemon.waitForLog((l) => l.msg === "segment uploaded", 30_000);
      await sleep(4_000);
      expect((await httpGet(`http://127.0.0.1:${metricsPort}/healthz`))?.status).toBe(200);

      await s3.stop();
      const outageStart = Date.now();
      let sawUnhealthy: string | undefined;
      while (Date.now() - outageStart < 60_000) {
        await sleep(2_000);
        const h = await httpGet(`http://127.0.0.1:${metricsPort}/healthz`);
        if (h?.status === 503) sawUnhealthy = h.text;
      }
      expect(sawUnhealthy).toMatch(/none uploaded/);
      const metrics = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text;
      expect(metrics).toMatch(/^kiroku_upload_state 1$/m);
      const waiting = Number(
        /^kiroku_upload_queue_segments\{channel="door"\} (\d+)$/m.exec(metrics)?.[1],
      );
      expect(waiting).toBeGreaterThanOrEqual(20); // ~30 segments recorded during the outage

      await s3.start();
      const back = Date.now();
      // The newest segment: the one that ended last before S3 came back (or a newer one).
      let newestVisibleMs: number | undefined;
      while (Date.now() - back < 30_000) {
        const segs = await bucketSegments(s3, "door").catch(() => []);
        if (segs.some((s) => s.startMs + s.durationMs >= back - 2_000)) {
          newestVisibleMs = Date.now() - back;
          break;
        }
        await sleep(100);
      }
      console.log(`newest segment visible ${newestVisibleMs} ms after S3 returned`);
      expect(newestVisibleMs).toBeDefined();
      expect(newestVisibleMs!).toBeLessThanOrEqual(2_000 + 1_500); // one segment + slack for a busy machine

      // Let the backlog drain, with /healthz back to 200.
      const drainStart = Date.now();
      while (Date.now() - drainStart < 30_000) {
        if ((await names(path.join(spoolDir, "door", "queue"))).length === 0) break;
        await sleep(250);
      }
      await sleep(3_000);
      expect((await httpGet(`http://127.0.0.1:${metricsPort}/healthz`))?.status).toBe(200);
    } finally {
      expect((await daemon.stop("SIGTERM")).code).toBe(0);
    }

    // Every completed segment is in uploaded/ (kept copies) and nothing is left in the queue.
    expect(await names(path.join(spoolDir, "door", "queue"))).toEqual([]);
    const copies = await names(path.join(spoolDir, "door", "uploaded"));
    const segs = await bucketSegments(s3, "door");
    expect(segs.length).toBe(copies.length);
    expect(segs.length).toBeGreaterThanOrEqual(30); // ~70 s of 2 s segments
    // Exactly once: one key per sequence number, consecutive, one run, no time gap (recording never paused).
    expect(new Set(segs.map((s) => s.seq)).size).toBe(segs.length);
    for (let i = 1; i < segs.length; i++) {
      expect(segs[i]!.seq).toBe(segs[i - 1]!.seq + 1);
      expect(segs[i]!.run).toBe(segs[0]!.run);
      expect(
        Math.abs(segs[i]!.startMs - (segs[i - 1]!.startMs + segs[i - 1]!.durationMs)),
      ).toBeLessThanOrEqual(1_000);
    }
    // Byte-identical: each object hashes like the file the recorder wrote.
    for (const seg of segs) {
      const copy = path.join(spoolDir, "door", "uploaded", queueFileName(seg));
      expect(copies).toContain(path.basename(copy));
      expect(sha256(await getBytes(s3.s3, s3.bucket, segmentKey("movie", seg)))).toBe(
        sha256(await readFile(copy)),
      );
    }
    expect(await openMultipartUploads(s3.s3, s3.bucket)).toEqual([]);
  }, 200_000);
});
