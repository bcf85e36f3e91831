import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { folderBytes } from "../../recorder/src/spool/spool";
import { freePort, httpGet, localStatus, sleep, startDaemon } from "./upload-harness";

/** Acceptance, full disk: a small SPOOL_MAX_BYTES and S3 down. */
describe("recorder daemon with a small spool and S3 down", () => {
  let s3: TestS3;
  let spoolDir: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "disk-e2e" });
    await s3.stop();
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-disk-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("never lets the spool exceed SPOOL_MAX_BYTES, drops the oldest loudly, and keeps recording", async () => {
    const max = 1024 * 1024;
    const metricsPort = await freePort();
    const daemon = startDaemon({
      ...s3.env,
      CHANNEL: "lot",
      SPOOL_DIR: spoolDir,
      SPOOL_MAX_BYTES: "1M",
      VIDEO_SIZE: "640x360",
      VIDEO_BITRATE: "1M",
      METRICS_PORT: String(metricsPort),
    });
    let largest = 0;
    try {
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        largest = Math.max(largest, await folderBytes(spoolDir));
        await sleep(100);
      }
      const metrics = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text;
      const completed = Number(
        /^kiroku_segments_completed_total\{channel="lot"\} (\d+)$/m.exec(metrics)?.[1],
      );
      const dropped = Number(
        /^kiroku_segments_dropped_total\{channel="lot",reason="queued"\} (\d+)$/m.exec(
          metrics,
        )?.[1],
      );
      console.log(
        `spool peak ${largest} bytes (bound ${max}); ${completed} completed, ${dropped} dropped`,
      );
      expect(completed).toBeGreaterThanOrEqual(12); // recording went on: ~15 segments in 30 s
      expect(dropped).toBeGreaterThanOrEqual(1);
      // The status heartbeat is written each STATUS_INTERVAL (1 s here) and may trail the
      // metric by a drop: compare the two once they have a moment to agree.
      let status = await localStatus(spoolDir, "lot");
      let droppedNow = dropped;
      for (let i = 0; i < 20 && status.dropped !== droppedNow; i++) {
        await sleep(250);
        status = await localStatus(spoolDir, "lot");
        droppedNow = Number(
          /^kiroku_segments_dropped_total\{channel="lot",reason="queued"\} (\d+)$/m.exec(
            (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text,
          )?.[1],
        );
      }
      expect(status.dropped).toBe(droppedNow);
      expect(status.state).toBe("recording");
    } finally {
      expect((await daemon.stop("SIGTERM")).code).toBe(0);
    }
    expect(largest).toBeLessThanOrEqual(max);
    const drops = daemon.logs.filter(
      (l) =>
        l.level === 50 && l.msg === "segment dropped before upload: it will not be in the bucket",
    );
    expect(drops.length).toBeGreaterThanOrEqual(1);
    expect(String(drops[0]!.key)).toMatch(/^movie\/lot\/\d{4}-\d{2}-\d{2}\/.*_r\d+_s\d+\.ts$/);
  }, 120_000);
});
