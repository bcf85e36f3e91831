import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { RtspCamera } from "@kiroku/test/rtsp-camera";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { bucketSegments, freePort, httpGet, sleep, startDaemon } from "./upload-harness";

/**
 * Acceptance, "one camera's trouble is that camera's alone": one daemon with
 * a test-pattern channel, a USB camera that is not plugged in (/dev/video9)
 * and an RTSP camera that is switched on only 20 s after the daemon starts
 * (the GStreamer RTSP server). The daemon must not refuse to start; the test
 * channel records and uploads without a single ffmpeg restart; the API's
 * stat (reading the heartbeat in the bucket), the recorder's metrics and
 * /healthz say which channel is not recording and why; the RTSP channel
 * records within 15 s of its camera appearing.
 */
const TOKEN = "isolation-token-0123456789";
// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;

describe("a daemon with a missing USB camera and a late RTSP camera", () => {
  let s3: TestS3;
  let dir: string;
  const camera = new RtspCamera({ width: 320, height: 240, fps: 15, gop: 15 });
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "isolation-e2e" });
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-isolation-"));
  });
  afterAll(async () => {
    await camera.stop();
    await s3.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it("records the healthy channel, says why the others are not recording, and records the late camera within 15 s", async () => {
    const cameraPort = await freePort();
    camera.port = cameraPort;
    const config = path.join(dir, "recorder.yaml");
    await writeFile(
      config,
      [
        "channels:",
        "  - {name: demo, source: test, videoSize: 320x240, framerate: 15, testAudio: false}",
        "  - {name: usb, source: /dev/video9}",
        `  - {name: ipcam, source: "rtsp://127.0.0.1:${cameraPort}/cam"}`,
        "",
      ].join("\n"),
    );
    const metricsPort = await freePort();
    const daemon = startDaemon(
      { ...s3.env, SPOOL_DIR: path.join(dir, "spool"), METRICS_PORT: String(metricsPort) },
      { args: ["--config", config] },
    );
    const app = createApp({
      config: parseApiConfig({ ...s3.env, TARGET_DURATION: "2", API_TOKEN: TOKEN }),
      s3: s3.s3,
    });
    const stat = async (channel: string): Promise<Json> => {
      const res = await app.request(`/v1/channels/${channel}/stat`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
    };
    try {
      const starting = await daemon.waitForLog((l) => l.msg === "recorder starting", 60_000);
      const startingMs = Number(starting.time);

      // The healthy channel records and uploads; the daemon did not refuse to start.
      await waitFor(
        async () => (await bucketSegments(s3, "demo")).length >= 2,
        60_000,
        "two demo segments in the bucket",
        500,
      );
      expect(daemon.proc.exitCode).toBeNull();

      // stat, through the API reading the heartbeat, says why the others are not recording.
      const usb = await waitFor(
        async () => {
          const s = await stat("usb");
          return s.sourceState === "waiting for device" && s;
        },
        30_000,
        "usb stat: waiting for device",
        500,
      );
      expect(usb).toMatchObject({
        state: "Idle",
        recorderState: "reconnecting",
        lastError: {
          source: "capture",
          message: expect.stringMatching(
            /^device \/dev\/video9 does not exist: plug the camera in/,
          ),
        },
      });
      expect(usb.reason).toMatch(
        /^the recorder is reconnecting: waiting for device \(device \/dev\/video9 does not exist/,
      );
      const ipcam = await waitFor(
        async () => {
          const s = await stat("ipcam");
          return s.sourceState === "source unavailable" && s;
        },
        30_000,
        "ipcam stat: source unavailable",
        500,
      );
      expect(ipcam.lastError.message).toMatch(
        new RegExp(
          `cannot connect to the camera at rtsp://127\\.0\\.0\\.1:${cameraPort} \\(ECONNREFUSED\\)`,
        ),
      );
      expect((await stat("demo")).state).toBe("Live");

      // The recorder's own /healthz and metrics name them.
      const health = await httpGet(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(health?.status).toBe(503);
      const body = JSON.parse(health!.text) as Json;
      expect(body.channels).toEqual({
        demo: "recording",
        usb: "waiting for device",
        ipcam: "source unavailable",
      });
      expect(body.reasons).toEqual([
        expect.stringMatching(/^usb: not recording: waiting for device \(device \/dev\/video9/),
        expect.stringMatching(/^ipcam: not recording: source unavailable \(cannot connect/),
      ]);
      const metrics = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text;
      expect(metrics).toMatch(
        /^kiroku_channel_source_state\{channel="usb",state="waiting for device"\} 1$/m,
      );
      expect(metrics).toMatch(
        /^kiroku_channel_source_state\{channel="ipcam",state="source unavailable"\} 1$/m,
      );

      // The RTSP camera is switched on 20 s after the daemon started.
      await sleep(Math.max(0, startingMs + 20_000 - Date.now()));
      const appearedAt = Date.now();
      await camera.start();
      const firstIpcam = await waitFor(
        async () => (await bucketSegments(s3, "ipcam"))[0],
        60_000,
        "the first ipcam segment in the bucket",
        500,
      );
      const startedAfterMs = firstIpcam.startMs - appearedAt;
      console.log(
        `camera appeared ${appearedAt - startingMs} ms after "recorder starting"; its first segment starts ${startedAfterMs} ms after it appeared`,
      );
      expect(startedAfterMs).toBeLessThanOrEqual(15_000);
      await waitFor(
        async () => (await stat("ipcam")).state === "Live",
        30_000,
        "ipcam Live in stat",
        500,
      );

      // The healthy channel never noticed: no ffmpeg restart, no hole in its recording.
      const after = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text;
      expect(after).toMatch(/^kiroku_ffmpeg_restarts_total\{channel="demo"\} 0$/m);
      // It goes on recording past the camera's arrival (Live can show before its next upload).
      const demo = await waitFor(
        async () => {
          const segs = await bucketSegments(s3, "demo");
          return segs.at(-1)!.startMs > firstIpcam.startMs ? segs : undefined;
        },
        30_000,
        "a demo segment that starts after the first ipcam segment",
        500,
      );
      expect(demo[0]!.startMs).toBeLessThan(appearedAt);
      for (let i = 1; i < demo.length; i++) {
        const gap = demo[i]!.startMs - (demo[i - 1]!.startMs + demo[i - 1]!.durationMs);
        expect(Math.abs(gap), `gap before demo segment ${demo[i]!.seq}`).toBeLessThanOrEqual(1_000);
      }
    } finally {
      await daemon.stop();
    }
  }, 240_000);
});
