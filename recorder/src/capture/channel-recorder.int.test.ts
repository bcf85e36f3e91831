import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { makeRecorderSegment } from "@kiroku/test/recorder-segment";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChannelConfig } from "../recorder-config";
import type { CompletedSegment } from "../spool/completed-segment";
import { queueSegment } from "../spool/queue-handover";
import { channelSpool, queueFileName } from "../spool/spool-layout";
import { ChannelRecorder } from "./channel-recorder";
import type { SpawnFfmpeg } from "./ffmpeg-process";

/**
 * Start-up recovery of an attempt folder a power cut left behind, with a real
 * spool folder, a real segment made with the recorder's ffmpeg arguments,
 * and an ffmpeg that fails at once (only recovery matters here).
 * The staged folders are exactly what a crash between the steps of the move
 * into `queue/` leaves.
 */
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
let spoolDir: string;
let made: string;
let segment: Buffer;
let segmentMs: number;

beforeAll(async () => {
  made = await mkdtemp(path.join(os.tmpdir(), "kiroku-recorder-made-"));
  const seg = await makeRecorderSegment({ dir: made, audio: false });
  segment = await readFile(seg.path);
  segmentMs = seg.csvDurationMs;
});
afterAll(async () => {
  await rm(made, { recursive: true, force: true });
});

beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-recorder-"));
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

const channel: ChannelConfig = {
  name: "cam",
  sourceLabel: "test",
  source: {
    kind: "test",
    size: { width: 320, height: 240 },
    framerate: 15,
    audio: false,
    encoder: "libx264",
    videoBitrate: 500_000,
  },
};

const failingFfmpeg: SpawnFfmpeg = () => ({
  pid: undefined,
  exited: Promise.resolve({ code: 1, signal: null }),
  signal() {},
});

/** Runs a recorder until its recovery is done, then stops it; returns the segments it announced. */
async function recoverOnce(): Promise<CompletedSegment[]> {
  const announced: CompletedSegment[] = [];
  const recorder = new ChannelRecorder({
    channel,
    spoolDir,
    targetDuration: 2,
    log: silentLogger(),
    onSegment: (seg) => announced.push(seg),
    spawn: failingFfmpeg,
    hardwareEncoder: false,
    sleep: (_ms, signal) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
  });
  recorder.start();
  await recorder.recovered;
  await recorder.stop();
  return announced;
}

/** Attempt 1 listed seg000005.ts (a real 2 s segment) as closed; run 1 / seq 5 was its key. */
async function stageAttempt() {
  const spool = channelSpool(spoolDir, "cam");
  const dir = path.join(spool.incoming, "a1");
  await mkdir(dir, { recursive: true });
  await mkdir(spool.queue, { recursive: true });
  const endS = (10 + segmentMs / 1000).toFixed(6);
  await writeFile(path.join(dir, "segments.csv"), `seg000005.ts,10.000000,${endS}\n`);
  const file = path.join(dir, "seg000005.ts");
  await writeFile(file, segment);
  await writeFile(spool.state, JSON.stringify({ nextRun: 2, nextSeq: 6, nextAttempt: 2 }));
  const ref = { channel: "cam", startMs: T0, durationMs: segmentMs, run: 1, seq: 5 };
  const name = queueFileName(ref);
  return { spool, dir, file, name };
}

describe("ChannelRecorder recovery after a power cut during the move into queue/", () => {
  it("does not complete a segment a second time when the crash fell between link and unlink", async () => {
    const { spool, file, name } = await stageAttempt();
    await queueSegment({ file, queueName: name, spool });
    await link(path.join(spool.queue, name), file); // the unlink was lost
    const announced = await recoverOnce();
    // One key for those bytes: the one it had (before the fix: a second file, …_r2_s6.ts).
    expect(await readdir(spool.queue)).toEqual([name]);
    expect(announced).toEqual([]);
    expect(await readdir(spool.incoming)).not.toContain("a1");
    const state = JSON.parse(await readFile(spool.state, "utf8"));
    expect(state.nextSeq).toBe(6);
    expect(state.nextRun).toBe(2);
  });

  it("queues a journaled segment whose queue file is gone under the same key again, and announces it", async () => {
    const { spool, file, name } = await stageAttempt();
    const bytes = await readFile(file);
    await queueSegment({ file, queueName: name, spool });
    // Uploaded and deleted since; the unlink in the attempt folder was lost.
    await rm(path.join(spool.queue, name));
    await writeFile(file, bytes);
    const announced = await recoverOnce();
    expect(await readdir(spool.queue)).toEqual([name]);
    expect(announced.map((s) => ({ run: s.run, seq: s.seq, startMs: s.startMs }))).toEqual([
      { run: 1, seq: 5, startMs: T0 },
    ]);
  });

  it("completes a listed segment that never reached the queue as usual", async () => {
    const { spool, dir } = await stageAttempt();
    const announced = await recoverOnce();
    expect(announced.map((s) => ({ run: s.run, seq: s.seq }))).toEqual([{ run: 2, seq: 6 }]);
    expect(await readFile(announced[0]!.path)).toEqual(segment);
    expect(await readdir(spool.queue)).toEqual([path.basename(announced[0]!.path)]);
    // The attempt folder and its journal are gone once everything listed is handed over.
    expect(await readdir(spool.incoming)).not.toContain(path.basename(dir));
  });
});
