import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type SpoolSamples, sampleDiskUsage } from "@kiroku/test/disk-usage";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet, localStatus, sleep, startDaemon } from "./upload-harness";

/**
 * Acceptance, full disk: a small SPOOL_MAX_BYTES and S3 down. The spool is
 * measured by the test's own `du -sb`-style walk (each inode once, on a
 * thread of its own), every 5 ms, independently of the recorder's
 * accounting; the bound must hold in every sample.
 */
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
      THUMBNAILS: "on", // their links pin segments: the guard must count and free them
      METRICS_PORT: String(metricsPort),
    });
    // Sampled until the daemon has exited: its shutdown writes too.
    const sampler = sampleDiskUsage(spoolDir, 5, max);
    let samples: SpoolSamples | undefined;
    try {
      // Recording goes on while the guard drops: 12 segments (24 s of video at real-time
      // speed; longer on a loaded machine) with at least one drop.
      const counts = async () => {
        const metrics = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))?.text ?? "";
        const completed = Number(
          /^kiroku_segments_completed_total\{channel="lot"\} (\d+)$/m.exec(metrics)?.[1] ?? 0,
        );
        const dropped = Number(
          /^kiroku_segments_dropped_total\{channel="lot",reason="queued"\} (\d+)$/m.exec(
            metrics,
          )?.[1] ?? 0,
        );
        return { completed, dropped };
      };
      const { completed, dropped } = await waitFor(
        async () => {
          const c = await counts();
          return c.completed >= 12 && c.dropped >= 1 ? c : undefined;
        },
        150_000,
        "12 segments completed and at least one dropped",
        500,
      );
      console.log(`${completed} segments completed, ${dropped} dropped`);
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
      const exit = await daemon.stop("SIGTERM");
      samples = await sampler.stop();
      console.log(
        `spool peak ${samples.peak} bytes (bound ${max}) in ${samples.count} samples, ` +
          `gap median ${samples.medianGapMs.toFixed(1)} ms, p99 ${samples.p99GapMs.toFixed(1)} ms, ` +
          `max ${samples.maxGapMs.toFixed(1)} ms`,
      );
      expect(exit.code).toBe(0);
    }
    if (samples.over.length > 0) {
      // What the spool held, and what the daemon was doing, when the bound was first crossed.
      const at = samples.over[0]![0];
      console.log(`spool over the bound at ${new Date(at).toISOString()}:`, samples.firstOverFiles);
      for (const l of daemon.logs.filter((l) => Math.abs(Number(l.time) - at) < 5_000))
        console.log(Number(l.time) - at, l.msg, l.bytes ?? "", l.reason ?? "");
    }
    // Every sample within the bound (the first ones over it shown, [epoch ms, bytes]).
    expect(samples.over).toEqual([]);
    expect(samples.peak).toBeLessThanOrEqual(max);
    // The sampler kept its pace: at least one look every 10 ms, typically.
    expect(samples.medianGapMs).toBeLessThanOrEqual(10);
    expect(samples.count).toBeGreaterThan(1_000);
    const drops = daemon.logs.filter(
      (l) =>
        l.level === 50 && l.msg === "segment dropped before upload: it will not be in the bucket",
    );
    expect(drops.length).toBeGreaterThanOrEqual(1);
    expect(String(drops[0]!.key)).toMatch(/^movie\/lot\/\d{4}-\d{2}-\d{2}\/.*_r\d+_s\d+\.ts$/);
  }, 240_000);
});
