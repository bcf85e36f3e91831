import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_BACKOFF, silentLogger } from "@kiroku/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChannelConfig } from "../recorder-config";
import { ChannelRecorder, type ChannelStatus } from "./channel-recorder";
import type { FfmpegExit, SpawnFfmpeg } from "./ffmpeg-process";
import { checkSource } from "./source-check";

/** A stand-in ffmpeg: `fail` exits 1 at once (connection refused), `run` runs until signalled. */
function fakeFfmpeg(behaviour: "run" | "fail") {
  const spawned: number[] = [];
  const spawn: SpawnFfmpeg = (_plan, opts) => {
    let exit!: (e: FfmpegExit) => void;
    const exited = new Promise<FfmpegExit>((r) => {
      exit = r;
    });
    spawned.push(Date.now());
    if (behaviour === "fail") {
      setImmediate(() => {
        opts?.onLine?.(
          "[tcp @ 0x55] Connection to tcp://127.0.0.1:8554?timeout=0 failed: Connection refused",
        );
        exit({ code: 1, signal: null });
      });
    }
    return {
      pid: undefined,
      exited,
      signal: () => exit({ code: 255, signal: null }),
    };
  };
  return { spawn, spawned };
}

describe("ChannelRecorder and an absent or failing source", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  async function spoolDir() {
    const d = await mkdtemp(path.join(os.tmpdir(), "kiroku-cr-"));
    dirs.push(d);
    return d;
  }

  it("waits for an absent device without starting ffmpeg, says why once, and starts as soon as it appears", async () => {
    const channel: ChannelConfig = {
      name: "usb",
      source: { kind: "v4l2", device: "/dev/video9", encoder: "libx264", videoBitrate: 1 },
      sourceLabel: "/dev/video9",
    };
    let present = false;
    const delays: number[] = [];
    const { spawn, spawned } = fakeFfmpeg("run");
    const states: ChannelStatus[] = [];
    const r = new ChannelRecorder({
      channel,
      spoolDir: await spoolDir(),
      targetDuration: 2,
      log: silentLogger(),
      onSegment: () => {},
      spawn,
      hardwareEncoder: false,
      random: () => 1, // the longest jitter: the cap is what is checked
      checkSource: (s) => checkSource(s, { exists: () => present }),
      sleep: async (ms) => {
        delays.push(ms);
        expect(spawned).toHaveLength(0); // no ffmpeg while the device is absent
        if (delays.length === 6) present = true; // plugged in during the 6th wait
      },
    });
    r.on("state", (s) => states.push(s));
    r.start();
    await vi.waitFor(() => expect(spawned).toHaveLength(1), { timeout: 10_000 });
    await r.stop();

    // Checked again after each wait: 0.6, 1.2, 2.4, 2.4… s (cap 2 s + 20 % jitter), then at once.
    expect(delays).toEqual([600, 1_200, 2_400, 2_400, 2_400, 2_400]);
    const waiting = states.filter((s) => s.sourceState === "waiting for device");
    expect(waiting).toHaveLength(1); // said once, not at every check
    expect(waiting[0]).toMatchObject({
      state: "reconnecting",
      lastError: expect.stringMatching(/device \/dev\/video9 does not exist/),
    });
    const after = states.slice(states.indexOf(waiting[0]!) + 1).map((s) => s.sourceState);
    expect(after).toEqual(["connecting", "stopped"]);
  });

  it("retries a source that fails before recording with a capped backoff, as source unavailable", async () => {
    const channel: ChannelConfig = {
      name: "ipcam",
      source: {
        kind: "rtsp",
        url: "rtsp://127.0.0.1:8554/cam",
        transport: "tcp",
        timeoutSeconds: 5,
      },
      sourceLabel: "rtsp://127.0.0.1:8554/cam",
    };
    const delays: number[] = [];
    const { spawn, spawned } = fakeFfmpeg("fail");
    const states: ChannelStatus[] = [];
    const r = new ChannelRecorder({
      channel,
      spoolDir: await spoolDir(),
      targetDuration: 2,
      log: silentLogger(),
      onSegment: () => {},
      spawn,
      hardwareEncoder: false,
      random: () => 1,
      checkSource: async () => ({ ok: true }), // the port answers; ffmpeg fails on it
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 10) void r.stop();
      },
    });
    r.on("state", (s) => states.push(s));
    r.start();
    await vi.waitFor(() => expect(delays).toHaveLength(10), { timeout: 10_000 });
    await r.stop();

    expect(spawned).toHaveLength(10);
    const cap = DEFAULT_BACKOFF.maxMs * (1 + DEFAULT_BACKOFF.jitter);
    expect(Math.max(...delays)).toBe(cap);
    expect(cap).toBeLessThanOrEqual(12_000); // back within 15 s of the source returning
    expect(delays.slice(0, 3)).toEqual([300, 600, 1_200]);
    const unavailable = states.filter((s) => s.sourceState === "source unavailable");
    expect(unavailable).toHaveLength(10);
    expect(unavailable[0]!.lastError).toMatch(/ffmpeg failed \(exit 1\).*Connection refused/);
  });

  it("shows an RTMP listener nobody publishes to as waiting for publisher, not as a failure", async () => {
    const channel: ChannelConfig = {
      name: "obs",
      source: {
        kind: "rtmp",
        url: "rtmp://127.0.0.1:1935/live/k",
        host: "127.0.0.1",
        port: 1935,
        app: "live",
        streamKey: "k",
      },
      sourceLabel: "rtmp://127.0.0.1:1935/live/***",
    };
    const { spawn, spawned } = fakeFfmpeg("run");
    const states: ChannelStatus[] = [];
    const r = new ChannelRecorder({
      channel,
      spoolDir: await spoolDir(),
      targetDuration: 2,
      log: silentLogger(),
      onSegment: () => {},
      spawn,
      hardwareEncoder: false,
    });
    r.on("state", (s) => states.push(s));
    r.start();
    await vi.waitFor(() => expect(spawned).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(states.at(-1)?.sourceState).toBe("waiting for publisher"));
    expect(states.at(-1)).not.toHaveProperty("lastError");
    await r.stop();
    expect(states.at(-1)?.sourceState).toBe("stopped");
  });
});
