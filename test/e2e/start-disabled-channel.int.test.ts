import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseChannelStatus, statusKey, writeChannelSettings } from "@kiroku/shared";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { startSlowProxy } from "@kiroku/test/process-start";
import { getObject, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localStatus, startDaemon } from "./upload-harness";

/**
 * A channel disabled in its settings, at daemon start. The cameras do not
 * wait for S3 (start-without-s3.int.test.ts), so the settings get a short
 * head start: a bucket that answers in time keeps a disabled channel from
 * starting at all; one that answers late (every new connection held 3 s by
 * a proxy) sees the channel start (fail open) and stopped as soon as its
 * settings are read.
 */
const SLOW_S3_MS = 3_000;
/** Settings read → ffmpeg told to stop: immediate, plus room for a loaded machine. */
const STOP_MARGIN_MS = 2_000;

describe("a channel disabled in its settings, at daemon start", () => {
  let s3: TestS3;
  let spoolDir: string;
  let proxy: Awaited<ReturnType<typeof startSlowProxy>>;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "start-disabled" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-off-"));
    proxy = await startSlowProxy(s3.port, SLOW_S3_MS);
    const now = new Date().toISOString();
    await writeChannelSettings(s3.s3, s3.bucket, "movie", {
      schema: 1,
      channel: "off",
      description: "",
      status: "disabled",
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("starts when never seen disabled (fail open) and is stopped as soon as its settings are read late", async () => {
    const daemon = startDaemon({
      ...s3.env,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      CHANNEL: "off",
      SPOOL_DIR: spoolDir,
    });
    try {
      const starting = await daemon.waitForLog((l) => l.msg === "recorder starting", 60_000);
      const started = await daemon.waitForLog((l) => l.msg === "ffmpeg started", 30_000);
      const read = await daemon.waitForLog(
        (l) => l.msg === "channel disabled in its settings",
        60_000,
      );
      const stopping = await daemon.waitForLog(
        (l) => l.msg === "stopping ffmpeg" && l.reason === "disabled",
        30_000,
      );
      const t = (l: Record<string, unknown>) => Number(l.time);
      console.log(
        `slow S3: ffmpeg started ${t(started) - t(starting)} ms after "recorder starting"; settings read after ${t(read) - t(starting)} ms; ffmpeg told to stop ${t(stopping) - t(read)} ms later`,
      );
      // Recording did not wait for the settings; the settings, once read, were obeyed at once.
      expect(t(started)).toBeLessThan(t(read));
      expect(t(read) - t(starting)).toBeGreaterThanOrEqual(SLOW_S3_MS);
      expect(t(stopping) - t(read)).toBeLessThanOrEqual(STOP_MARGIN_MS);
      await daemon.waitForLog((l) => l.msg === "ffmpeg exited", 30_000);
      const status = await waitFor(
        async () => {
          const s = await localStatus(spoolDir, "off").catch(() => undefined);
          return s?.state === "disabled" && s;
        },
        30_000,
        "a disabled heartbeat",
      );
      expect(status.state).toBe("disabled");
    } finally {
      await daemon.stop();
    }
  }, 120_000);

  it("never starts again once seen disabled, however late the bucket answers", async () => {
    const spawnedAt = Date.now();
    const daemon = startDaemon({
      ...s3.env,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      CHANNEL: "off",
      SPOOL_DIR: spoolDir,
    });
    try {
      await daemon.waitForLog(
        (l) => String(l.msg).startsWith("channel disabled when last seen"),
        60_000,
      );
      const status = await waitFor(
        async () => {
          const s = await localStatus(spoolDir, "off").catch(() => undefined);
          return s?.state === "disabled" && Date.parse(s.updatedAt) > spawnedAt && s;
        },
        30_000,
        "this run's disabled heartbeat",
      );
      expect(status.state).toBe("disabled");
      // Live past the bucket's late answers (this run's heartbeat reached it through the proxy).
      await waitFor(
        async () => {
          const o = await getObject(s3.s3, s3.bucket, statusKey("movie", "off")).catch(
            () => undefined,
          );
          const hb = o && parseChannelStatus(JSON.parse(o.body.toString("utf8")));
          return hb?.state === "disabled" && Date.parse(hb.updatedAt) > spawnedAt && hb;
        },
        60_000,
        "this run's heartbeat in the bucket",
        500,
      );
    } finally {
      await daemon.stop();
    }
    expect(daemon.logs.filter((l) => l.msg === "ffmpeg started")).toEqual([]);
  }, 120_000);
});
