import {
  appendFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { makeRecorderSegment, videoFrameOffsets } from "@kiroku/test/recorder-segment";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChannelConfig } from "../recorder-config";
import type { CompletedSegment } from "../spool/completed-segment";
import { queueSegment } from "../spool/queue-handover";
import { channelSpool, queueFileName } from "../spool/spool-layout";
import { verifyTs } from "../spool/ts-verify";
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
let segmentPath: string;

beforeAll(async () => {
  made = await mkdtemp(path.join(os.tmpdir(), "kiroku-recorder-made-"));
  const seg = await makeRecorderSegment({ dir: made, audio: false });
  segmentPath = seg.path;
  segment = await readFile(seg.path);
  segmentMs = seg.csvDurationMs;
  // About 1 in 184 video-only segments ends in a frame that exactly fills its
  // last packet, which recovery cannot tell from a cut one and drops: these
  // tests are about the move into queue/, so they use a segment without one.
  for (let v = verifyTs(segment); v.ok && v.trimmed; v = verifyTs(segment)) {
    segment = segment.subarray(0, v.validBytes);
    segmentMs = v.durationMs;
  }
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

/** A recorder of the test channel on the spool, with `spawn` as its ffmpeg; backoff waits until stopped. */
function recorderWith(spawn: SpawnFfmpeg) {
  const announced: CompletedSegment[] = [];
  const recorder = new ChannelRecorder({
    channel,
    spoolDir,
    targetDuration: 2,
    log: silentLogger(),
    onSegment: (seg) => announced.push(seg),
    spawn,
    hardwareEncoder: false,
    sleep: (_ms, signal) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
  });
  return { recorder, announced };
}

/** Runs a recorder until its recovery is done, then stops it; returns the segments it announced. */
async function recoverOnce(): Promise<CompletedSegment[]> {
  const { recorder, announced } = recorderWith(failingFfmpeg);
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

describe("ChannelRecorder and the stub segment of a stop right after a segment began", () => {
  it("keeps a closed segment of under two frames in partial/ instead of reporting it as a quarantine", async () => {
    const frames = await videoFrameOffsets(segmentPath);
    // What ffmpeg leaves when stopped within a frame of a new segment: a whole
    // segment, then one holding a single complete frame, both listed as closed.
    const oneFrame = segment.subarray(0, frames[1]!);
    let spawns = 0;
    const fakeFfmpeg: SpawnFfmpeg = (plan, opts) =>
      ++spawns > 1
        ? failingFfmpeg(plan, opts) // the restart after the stop: nothing more
        : {
            pid: undefined,
            exited: (async () => {
              const out = (n: number) => plan.output.replace("%06d", String(n).padStart(6, "0"));
              await writeFile(out(0), segment);
              await appendFile(plan.listFile, `seg000000.ts,0.000000,${segmentMs / 1000}\n`);
              await writeFile(out(1), oneFrame);
              await appendFile(
                plan.listFile,
                `seg000001.ts,${segmentMs / 1000},${segmentMs / 1000 + 0.067}\n`,
              );
              return { code: 0, signal: null };
            })(),
            signal() {},
          };
    const quarantined: unknown[] = [];
    const { recorder, announced } = recorderWith(fakeFfmpeg);
    recorder.on("quarantined", (q) => quarantined.push(q));
    const spool = channelSpool(spoolDir, "cam");
    recorder.start();
    try {
      await waitFor(
        async () =>
          announced.length === 1 && (await readdir(spool.partial).catch(() => [])).length === 1,
        30_000,
        "the whole segment announced and the stub in partial/",
      );
    } finally {
      await recorder.stop();
    }
    expect(await readdir(spool.partial)).toEqual(["a1_seg000001.ts"]);
    expect(await readdir(spool.quarantine).catch(() => [])).toEqual([]);
    expect(quarantined).toEqual([]);
    expect(await readFile(announced[0]!.path)).toEqual(segment);
  });
});
