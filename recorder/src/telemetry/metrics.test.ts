import { describe, expect, it } from "vitest";
import { RecorderMetrics, startMetricsServer } from "./metrics";

/** Checks every line against the Prometheus text exposition format (0.0.4; NaN in any case, as Go parses it). */
function parsePrometheusText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const declared = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(meta[3]);
        declared.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)( -?\d+)?$/.exec(
        line,
      );
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const base = m[1]!.replace(/_(bucket|sum|count)$/, "");
    expect(declared.has(m[1]!) || declared.has(base)).toBe(true);
    samples.set(`${m[1]}${m[2] ?? ""}`, Number(m[3]));
  }
  return samples;
}

describe("recorder metrics", () => {
  it("exposes valid Prometheus text with per-channel counters, latency histogram, queue and ages", async () => {
    let now = 1_000_000;
    const m = new RecorderMetrics({
      stallMs: 36_000,
      clock: () => now,
      queue: () => ({ segments: 3, bytes: 4_000 }),
    });
    m.addChannel("cam1");
    m.segmentCompleted("cam1");
    m.segmentUploaded("cam1", 120, 2_000_000);
    m.uploadFailures.inc({ channel: "cam1", kind: "store" });
    m.segmentsDropped.inc({ channel: "cam1", reason: "queued" });
    m.ffmpegRestarts.inc({ channel: "cam1" });
    now += 5_000;
    const samples = parsePrometheusText(await m.metrics());
    expect(samples.get('kiroku_segments_completed_total{channel="cam1"}')).toBe(1);
    expect(samples.get('kiroku_segments_uploaded_total{channel="cam1"}')).toBe(1);
    expect(samples.get('kiroku_segment_upload_failures_total{channel="cam1",kind="store"}')).toBe(
      1,
    );
    expect(samples.get('kiroku_segments_dropped_total{channel="cam1",reason="queued"}')).toBe(1);
    expect(samples.get('kiroku_ffmpeg_restarts_total{channel="cam1"}')).toBe(1);
    expect(samples.get('kiroku_upload_latency_seconds_bucket{le="0.25",channel="cam1"}')).toBe(1);
    expect(samples.get('kiroku_upload_latency_seconds_bucket{le="0.1",channel="cam1"}')).toBe(0);
    expect(samples.get('kiroku_upload_queue_segments{channel="cam1"}')).toBe(3);
    expect(samples.get('kiroku_upload_queue_bytes{channel="cam1"}')).toBe(4_000);
    expect(samples.get('kiroku_last_segment_age_seconds{channel="cam1"}')).toBe(5);
  });

  it("turns /healthz unhealthy when segments wait and none uploaded for too long, and healthy again after an upload", async () => {
    let now = 0;
    let waiting = 0;
    const m = new RecorderMetrics({
      stallMs: 10_000,
      clock: () => now,
      queue: () => ({ segments: waiting, bytes: 0 }),
      processMetrics: false,
    });
    m.addChannel("cam1");
    const server = await startMetricsServer(m, { port: 0 });
    try {
      const get = async () => {
        const res = await fetch(`${server.url}/healthz`);
        return {
          status: res.status,
          body: (await res.json()) as { status: string; reasons?: string[] },
        };
      };
      expect((await get()).status).toBe(200);
      for (let t = 2_000; t <= 20_000; t += 2_000) {
        now = t;
        m.segmentCompleted("cam1"); // recording goes on...
        waiting++; // ...but nothing uploads
      }
      const stalled = await get();
      expect(stalled.status).toBe(503);
      expect(stalled.body.reasons?.[0]).toMatch(
        /cam1: 10 segments waiting and none uploaded for 20 s/,
      );
      m.segmentUploaded("cam1", 50, 1);
      expect((await get()).status).toBe(200);
      now += 11_000; // and no segment completes either
      expect((await get()).body.reasons?.join()).toMatch(/no segment completed for 11 s/);
      m.setActive("cam1", false); // a disabled channel is not judged
      expect((await get()).status).toBe(200);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(() => parsePrometheusText(text)).not.toThrow();
    } finally {
      await server.close();
    }
  });

  it("judges a channel enabled again only after a fresh grace period", () => {
    let now = 0;
    const m = new RecorderMetrics({ stallMs: 10_000, clock: () => now, processMetrics: false });
    m.addChannel("cam1");
    m.setActive("cam1", false);
    now = 60_000;
    expect(m.health().healthy).toBe(true);
    m.setActive("cam1", true);
    now += 10_000;
    expect(m.health().healthy).toBe(true);
    now += 1_000;
    expect(m.health().reasons.join()).toMatch(/cam1: no segment completed for 11 s/);
  });

  it("says the clock is not synchronised (after a short grace) and exposes the held segments", async () => {
    const t = { trusted: false, untrustedForMs: 1_000, held: 3 };
    const m = new RecorderMetrics({ stallMs: 60_000, timeTrust: () => t, processMetrics: false });
    m.addChannel("cam1");
    expect(m.health().healthy).toBe(true);
    t.untrustedForMs = 6_000;
    expect(m.health()).toEqual({
      healthy: false,
      reasons: [
        "clock not synchronised for 6 s: 3 segments held in the spool, nothing keyed or uploaded until it is",
      ],
    });
    const text = await m.metrics();
    expect(text).toMatch(/^kiroku_clock_synchronised 0$/m);
    expect(text).toMatch(/^kiroku_segments_held 3$/m);
    Object.assign(t, { trusted: true, untrustedForMs: 0, held: 0 });
    expect(m.health().healthy).toBe(true);
    expect(await m.metrics()).toMatch(/^kiroku_clock_synchronised 1$/m);
  });

  it("names a channel whose source is down in /healthz at once, and judges the others on their own", async () => {
    const now = 0;
    const m = new RecorderMetrics({ stallMs: 10_000, clock: () => now, processMetrics: false });
    m.addChannel("demo");
    m.addChannel("usb");
    m.setSourceState("demo", "recording");
    m.setSourceState(
      "usb",
      "waiting for device",
      "device /dev/video9 does not exist: plug the camera in",
    );
    const server = await startMetricsServer(m, { port: 0 });
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: "unhealthy",
        reasons: [
          "usb: not recording: waiting for device (device /dev/video9 does not exist: plug the camera in)",
        ],
        channels: { demo: "recording", usb: "waiting for device" },
      });
      const samples = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
      expect(
        samples.get('kiroku_channel_source_state{channel="usb",state="waiting for device"}'),
      ).toBe(1);
      expect(samples.get('kiroku_channel_source_state{channel="usb",state="recording"}')).toBe(0);
      expect(samples.get('kiroku_channel_source_state{channel="demo",state="recording"}')).toBe(1);
      // The device appears: healthy again as soon as the channel connects.
      m.setSourceState("usb", "connecting");
      const ok = await fetch(`${server.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({
        status: "ok",
        channels: { demo: "recording", usb: "connecting" },
      });
    } finally {
      await server.close();
    }
  });
});
