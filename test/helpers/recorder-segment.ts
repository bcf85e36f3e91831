import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { buildFfmpegArgs, planToArgv } from "../../recorder/src/capture/ffmpeg-args";
import { run } from "./ffmpeg-tools";

const exec = promisify(execFile);

/** A segment file written by the recorder's own ffmpeg command, with what its csv line said. */
export interface RecorderSegment {
  path: string;
  /** ffmpeg's csv duration (end - start), ms. */
  csvDurationMs: number;
}

/**
 * Makes one closed segment of `seconds` with the exact arguments the
 * recorder gives ffmpeg for a test-pattern channel (libx264, a keyframe on
 * every cut, AAC tone when `audio`), minus the real-time pacing so a test
 * does not wait for it. Writes into `dir` (which must be empty) and returns
 * the first, complete segment.
 */
export async function makeRecorderSegment(opts: {
  dir: string;
  seconds?: number;
  audio?: boolean;
  size?: { width: number; height: number };
  videoBitrate?: number;
}): Promise<RecorderSegment> {
  const seconds = opts.seconds ?? 2;
  const plan = buildFfmpegArgs({
    source: {
      kind: "test",
      size: opts.size ?? { width: 640, height: 360 },
      framerate: 25,
      audio: opts.audio ?? true,
      encoder: "libx264",
      videoBitrate: opts.videoBitrate ?? 600_000,
    },
    targetDuration: seconds,
    outDir: opts.dir,
    hardwareEncoder: false,
  });
  const argv = planToArgv(plan).filter((a) => a !== "-re");
  // Stop half a segment after the first cut, so the first segment is closed and listed.
  argv.splice(argv.length - 1, 0, "-t", String(seconds * 1.5));
  await exec(
    "ffmpeg",
    argv.map((a) => (a === "info" ? "error" : a)),
    { timeout: 120_000 },
  );
  const [line] = (await readFile(plan.listFile, "utf8")).trim().split("\n");
  const [name, start, end] = line!.split(",");
  return {
    path: path.join(opts.dir, name!),
    csvDurationMs: Math.round((Number(end) - Number(start)) * 1000),
  };
}

/** A file of AAC audio only, in MPEG-TS (what a segment without video looks like). */
export async function makeAudioOnlyTs(file: string, seconds = 2): Promise<void> {
  await exec(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=1000:sample_rate=48000",
      "-t",
      String(seconds),
      "-c:a",
      "aac",
      "-b:a",
      "64k",
      "-f",
      "mpegts",
      file,
    ],
    { timeout: 60_000 },
  );
}

/** Byte offsets of the video PES packets (frames) of a TS file, in file order, from ffprobe. */
export async function videoFrameOffsets(file: string): Promise<number[]> {
  const res = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "packet=pos",
    "-of",
    "csv=p=0",
    file,
  ]);
  if (res.code !== 0) throw new Error(`ffprobe ${file} failed: ${res.stderr}`);
  return res.stdout
    .trim()
    .split("\n")
    .map((l) => l.split(",")[0]!.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}
