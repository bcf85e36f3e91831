import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  ChannelRecorder,
  type CompletedSegment,
  parseRecorderConfig,
  type RestartEvent,
} from "@kiroku/recorder";

import { silentLogger } from "@kiroku/shared";
import { decodes, probePackets, waitFor } from "@kiroku/test/ffmpeg-tools";
import { RtspCamera } from "@kiroku/test/rtsp-camera";
import { afterAll, describe, expect, it } from "vitest";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("capture from an RTSP camera", () => {
  const cam = new RtspCamera({ audio: true, gop: 25 });
  let recorder: ChannelRecorder | undefined;
  let dir = "";
  afterAll(async () => {
    await recorder?.stop();
    await cam.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("copies the stream, reconnects by itself after the camera vanishes, and restarts a frozen one", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-rtsp-"));
    await cam.start();
    const config = parseRecorderConfig({
      SOURCE: cam.url,
      TARGET_DURATION: "2",
      SOURCE_TIMEOUT: "5",
      SPOOL_DIR: dir,
    });
    const segments: CompletedSegment[] = [];
    const restarts: Array<RestartEvent & { at: number }> = [];
    const pids: number[] = [];
    recorder = new ChannelRecorder({
      channel: config.channels[0]!,
      spoolDir: dir,
      targetDuration: 2,
      log: silentLogger(),
      onSegment: (seg) => segments.push(seg),
    });
    recorder.on("spawned", ({ pid }) => {
      // Never two ffmpeg processes for one channel.
      for (const old of pids)
        expect(alive(old), `ffmpeg ${old} still alive when ${pid} started`).toBe(false);
      pids.push(pid);
    });
    recorder.on("restart", (e) => restarts.push({ ...e, at: Date.now() }));
    recorder.start();

    // 1. Copy: segments arrive, H.264 copied, G.711 transcoded to AAC.
    await waitFor(() => segments.length >= 3, 30_000, "three segments");
    const runA = segments[0]!.run;
    expect(segments[0]!.media).toMatchObject({
      videoCodec: "h264",
      width: 640,
      height: 360,
      audioCodec: "aac",
    });
    const firstPackets = await probePackets(segments[0]!.path, "v");
    expect(firstPackets[0]!.key).toBe(true);

    // 2. The camera vanishes; it comes back 5 s later on the same port.
    const killedAt = Date.now();
    await cam.kill();
    await waitFor(() => restarts.length >= 1, 10_000, "a restart after the camera vanished");
    expect(restarts[0]!.exit.code).toBe(0); // what ffmpeg says when an RTSP camera goes away
    await new Promise((r) => setTimeout(r, 5_000));
    await cam.start();
    const firstB = await waitFor(
      () => segments.find((s) => s.run !== runA),
      40_000,
      "a segment of a new run",
    );
    const reconnectMs = Date.now() - killedAt;
    expect(firstB.run).toBe(runA + 1);

    // Nothing before the cut was lost: run A is contiguous, numbered without holes, and ends near the kill.
    const runASegs = segments.filter((s) => s.run === runA);
    for (let i = 1; i < runASegs.length; i++) {
      expect(runASegs[i]!.startMs).toBe(runASegs[i - 1]!.startMs + runASegs[i - 1]!.durationMs);
      expect(runASegs[i]!.seq).toBe(runASegs[i - 1]!.seq + 1);
    }
    const lastA = runASegs.at(-1)!;
    expect(killedAt - (lastA.startMs + lastA.durationMs)).toBeLessThan(1_500);
    expect(firstB.seq).toBe(lastA.seq + 1);
    for (const s of runASegs)
      expect((await decodes(s.path)).errors, path.basename(s.path)).toBe("");
    await expect(readdir(path.join(dir, "cam1/partial"))).rejects.toThrow(); // nothing unlisted

    // 3. The camera freezes (SIGSTOP): the stall is detected and ffmpeg restarted within the bound.
    await waitFor(
      () => segments.filter((s) => s.run === firstB.run).length >= 2,
      20_000,
      "run B recording",
    );
    const restartsBefore = restarts.length;
    const frozenAt = Date.now();
    cam.freeze();
    const stall = await waitFor(
      () => restarts[restartsBefore],
      30_000,
      "a restart after the freeze",
    );
    const detectMs = stall.at - frozenAt;
    // Documented bound: 2 x TARGET_DURATION + SOURCE_TIMEOUT after the last segment (9 s), plus the stop escalation.
    expect(detectMs).toBeLessThan(recorder.stallTimeoutMs + 3_500 + 1_500);
    cam.thaw();
    const runsBefore = new Set(segments.map((s) => s.run));
    const afterThaw = await waitFor(
      () => segments.find((s) => !runsBefore.has(s.run)),
      40_000,
      "recording again after thaw",
    );
    expect(afterThaw.run).toBe(Math.max(...runsBefore) + 1);
    console.log(
      `reconnect after kill+5 s: ${reconnectMs} ms; freeze detected after ${detectMs} ms (${stall.reason}); ffmpeg processes: ${pids.length}`,
    );
  }, 150_000);
});
