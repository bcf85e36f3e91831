import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type ChannelStatus, parseChannelStatus, statusKey } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetaWriter } from "./meta-writer";
import { StatusReporter } from "./status-reporter";

const REAL = Date.UTC(2026, 11, 2, 4, 0, 0);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-status-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("StatusReporter and the clock", () => {
  it("writes no heartbeat to the bucket while the clock is untrusted, only the local copy saying so", async () => {
    const puts: { key: string; body: ChannelStatus }[] = [];
    const writer = { put: (key: string, body: ChannelStatus) => puts.push({ key, body }) };
    let now = 20_000; // 1970: the Pi's clock before NTP
    const trust = { trusted: false, sinceMs: undefined as number | undefined, held: () => 4 };
    const status = new StatusReporter({
      writer: writer as unknown as MetaWriter,
      movieKey: "movie",
      intervalMs: 60_000,
      hostname: "pi",
      recorderVersion: "test",
      clock: () => now,
      queue: () => ({ segments: 0, bytes: 0 }),
      diskFreeBytes: () => null,
      uploadHealth: () => ({ health: "ok", sinceMs: 0 }),
      spoolDir: dir,
      timeTrust: () => trust,
    });
    status.addChannel("cam1", "test");
    status.setCaptureState("cam1", "recording", now);
    status.start();
    await status.flushLocal();
    expect(puts).toEqual([]);
    const local = JSON.parse(await readFile(path.join(dir, "cam1", "status.json"), "utf8"));
    expect(local.clock).toEqual({ synchronised: false, held: 4 });

    // NTP steps the clock: times noted before move with it, the bucket hears from the recorder.
    const step = REAL - now;
    now = REAL;
    Object.assign(trust, { trusted: true, sinceMs: REAL, held: () => 0 });
    status.clockStepped(step);
    status.report();
    status.stop();
    await status.flushLocal(); // the last local copy is on disk before the folder goes
    const last = puts.at(-1)!;
    expect(last.key).toBe(statusKey("movie", "cam1"));
    expect(puts[0]!.body.clock).toEqual({
      synchronised: true,
      since: new Date(REAL).toISOString(),
      held: 0,
    });
    expect(puts[0]!.body.since).toBe(new Date(REAL).toISOString());
    expect(puts.every((p) => Date.parse(p.body.updatedAt) >= REAL)).toBe(true);
  });
});

function reporter() {
  const now = Date.parse("2026-12-01T10:00:00.000Z");
  return new StatusReporter({
    writer: { put() {} } as unknown as MetaWriter,
    movieKey: "movie",
    intervalMs: 5_000,
    hostname: "pi",
    recorderVersion: "test",
    clock: () => now,
    queue: () => ({ segments: 0, bytes: 0 }),
    diskFreeBytes: () => null,
    uploadHealth: () => ({ health: "ok", sinceMs: now }),
  });
}

describe("StatusReporter and the capture side's detail", () => {
  it("says why a channel is not recording: sourceState and lastError, in a heartbeat any reader parses", () => {
    const r = reporter();
    r.addChannel("usb", "/dev/video9");
    r.setCaptureState(
      "usb",
      "reconnecting",
      undefined,
      "device /dev/video9 does not exist: plug the camera in",
      "waiting for device",
    );
    const s = r.snapshot("usb");
    expect(s).toMatchObject({
      state: "reconnecting",
      sourceState: "waiting for device",
      lastError: {
        source: "capture",
        message: "device /dev/video9 does not exist: plug the camera in",
      },
    });
    // The field is additive: the heartbeat schema (older readers too) accepts it.
    expect(parseChannelStatus(JSON.parse(JSON.stringify(s)))).toBeDefined();
  });

  it("keeps the detail between events without one, drops it while disabled, and says stopped at the end", () => {
    const r = reporter();
    r.addChannel("cam", "test");
    r.setCaptureState("cam", "recording", undefined, undefined, "recording");
    r.setCaptureState("cam", "recording");
    expect(r.snapshot("cam").sourceState).toBe("recording");
    r.setCaptureState("cam", "disabled");
    expect(r.snapshot("cam")).not.toHaveProperty("sourceState");
    r.setCaptureState("cam", "reconnecting", undefined, undefined, "connecting");
    r.stop();
    expect(r.snapshot("cam")).toMatchObject({ state: "stopped", sourceState: "stopped" });
  });
});

describe("StatusReporter writes on change plus a keep-alive", () => {
  it("writes a recording channel's heartbeat once per ten intervals, a state change at once", () => {
    const puts: ChannelStatus[] = [];
    let now = Date.parse("2026-12-01T10:00:00.000Z");
    let segments = 0;
    const r = new StatusReporter({
      writer: {
        put: (_key: string, body: ChannelStatus) => puts.push(body),
      } as unknown as MetaWriter,
      movieKey: "movie",
      intervalMs: 60_000,
      hostname: "pi",
      recorderVersion: "test",
      clock: () => now,
      queue: () => ({ segments, bytes: segments * 1000 }),
      diskFreeBytes: () => null,
      uploadHealth: () => ({ health: "ok", sinceMs: 0 }),
    });
    r.addChannel("cam1", "test", "recording");
    r.start();
    expect(puts).toHaveLength(1);
    expect(puts[0]!.intervalSeconds).toBe(600);
    // An hour of 30 s segments, each queued then uploaded, checked every 5 s.
    for (let t = 5_000; t <= 3_600_000; t += 5_000) {
      now += 5_000;
      segments = t % 30_000 === 0 ? 1 : 0;
      if (t % 30_000 === 0)
        r.segmentCompleted("cam1", { key: `k${t}`, startMs: now, durationMs: 30_000 });
      r.report();
    }
    // The first write plus one keep-alive every 600 s.
    expect(puts).toHaveLength(7);
    expect(puts.at(-1)!.lastSegment?.key).toBe("k3600000");

    now += 1_000;
    r.setCaptureState("cam1", "reconnecting");
    r.report();
    expect(puts).toHaveLength(8);
    expect(puts.at(-1)).toMatchObject({ state: "reconnecting", intervalSeconds: 60 });
    now += 59_000;
    r.report();
    expect(puts).toHaveLength(8);
    now += 1_000;
    r.report();
    expect(puts).toHaveLength(9);
    r.stop();
    expect(puts.at(-1)!.state).toBe("stopped");
  });
});
