import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type StoredSegment, segmentKey } from "@kiroku/shared";

const run = promisify(execFile);

/** One MPEG-TS segment file made by ffmpeg's segment muxer. */
export interface SegmentFile {
  path: string;
  /** Duration from ffmpeg's csv segment list (end - start), in milliseconds. */
  durationMs: number;
  bytes: number;
}

export interface MakeSegmentsOptions {
  /** How many segments. */
  count: number;
  /** Segment length in seconds (the recorder's TARGET_DURATION). Default 2. */
  segmentSeconds?: number;
  /** Video size. Default 320x240 (cheap on a shared 2-core machine). */
  size?: string;
  /** Frames per second. Default 25. */
  fps?: number;
  /** Seconds between keyframes. Default: one keyframe per segment, at its start. */
  keyframeSeconds?: number;
}

/**
 * Real segments, made the way the recorder makes them: lavfi testsrc2 + sine,
 * libx264 + AAC, the segment muxer with continuous timestamps
 * (`-reset_timestamps 0`), MPEG-TS discontinuity flags on each file's first
 * packets and a keyframe at every cut. One ffmpeg run is one recording run.
 *
 * Files are cached by their parameters under the OS temp folder, so test
 * files and reruns share one encode; callers must not modify them.
 */
export async function makeSegmentFiles(opts: MakeSegmentsOptions): Promise<SegmentFile[]> {
  const seconds = opts.segmentSeconds ?? 2;
  const size = opts.size ?? "320x240";
  const fps = opts.fps ?? 25;
  const gop = opts.keyframeSeconds ?? seconds;
  const id = createHash("sha256")
    .update(`v1 ${opts.count} ${seconds} ${size} ${fps}${gop === seconds ? "" : ` gop ${gop}`}`)
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), "kiroku-test-segments", id);
  const list = path.join(dir, "list.csv");
  if (!existsSync(list)) {
    // Build in a private folder, then rename: concurrent test files never see half a set.
    const work = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(work, { recursive: true });
    await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${size}:rate=${fps}`,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        String(opts.count * seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-force_key_frames",
        `expr:gte(t,n_forced*${gop})`,
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-f",
        "segment",
        "-segment_time",
        String(seconds),
        "-segment_format",
        "mpegts",
        "-reset_timestamps",
        "0",
        "-segment_format_options",
        "mpegts_flags=+initial_discontinuity",
        "-segment_list",
        path.join(work, "list.csv"),
        "-segment_list_type",
        "csv",
        path.join(work, "seg%05d.ts"),
      ],
      { timeout: 120_000 },
    );
    try {
      await rename(work, dir);
    } catch {
      await rm(work, { recursive: true, force: true }); // another process won the race
    }
  }
  const lines = (await readFile(list, "utf8")).trim().split("\n");
  const files: SegmentFile[] = [];
  for (const line of lines) {
    const [name, start, end] = line.split(",");
    const file = path.join(dir, name!);
    files.push({
      path: file,
      durationMs: Math.round((Number(end) - Number(start)) * 1000),
      bytes: (await stat(file)).size,
    });
  }
  if (files.length !== opts.count) {
    throw new Error(`ffmpeg made ${files.length} segments, expected ${opts.count} (${dir})`);
  }
  return files;
}

export interface UploadRunOptions {
  s3: S3Client;
  bucket: string;
  movieKey: string;
  channel: string;
  run: number;
  firstSeq: number;
  /** Made-up wall-clock start of the run's first segment (epoch ms). */
  startMs: number;
  files: readonly SegmentFile[];
}

/**
 * Uploads the files of one recording run under the shared key schema: back
 * to back from `startMs`, with their real durations, consecutive sequence
 * numbers. Returns the stored segments in order (keys and sizes included).
 */
export async function uploadRun(opts: UploadRunOptions): Promise<StoredSegment[]> {
  const out: StoredSegment[] = [];
  let at = opts.startMs;
  for (const [i, f] of opts.files.entries()) {
    const ref = {
      channel: opts.channel,
      startMs: at,
      durationMs: f.durationMs,
      run: opts.run,
      seq: opts.firstSeq + i,
    };
    out.push({ ...ref, key: segmentKey(opts.movieKey, ref), size: f.bytes });
    at += f.durationMs;
  }
  await Promise.all(
    out.map(async (seg, i) =>
      opts.s3.send(
        new PutObjectCommand({
          Bucket: opts.bucket,
          Key: seg.key,
          Body: await readFile(opts.files[i]!.path),
          ContentType: "video/mp2t",
        }),
      ),
    ),
  );
  return out;
}

export interface RecordingWithRestart {
  run1: StoredSegment[];
  run2: StoredSegment[];
  /** Start of run 1 and end of run 2 (epoch ms). */
  startMs: number;
  endMs: number;
  /** The gap between the runs, in ms. */
  gapMs: number;
}

/**
 * The standard fixture: two recording runs of real segments with a gap
 * between them (a recorder restart), uploaded for `channel`. Sequence
 * numbers continue across the restart, as the recorder's counters do.
 */
export async function uploadRecordingWithRestart(opts: {
  s3: S3Client;
  bucket: string;
  movieKey: string;
  channel: string;
  startMs: number;
  segmentsPerRun?: number;
  segmentSeconds?: number;
  gapMs?: number;
  firstRun?: number;
}): Promise<RecordingWithRestart> {
  const perRun = opts.segmentsPerRun ?? 3;
  const gapMs = opts.gapMs ?? 5_000;
  const files = await makeSegmentFiles({ count: perRun, segmentSeconds: opts.segmentSeconds ?? 2 });
  const firstRun = opts.firstRun ?? 1;
  const common = {
    s3: opts.s3,
    bucket: opts.bucket,
    movieKey: opts.movieKey,
    channel: opts.channel,
    files,
  };
  const run1 = await uploadRun({ ...common, run: firstRun, firstSeq: 0, startMs: opts.startMs });
  const last1 = run1.at(-1)!;
  const run2 = await uploadRun({
    ...common,
    run: firstRun + 1,
    firstSeq: perRun,
    startMs: last1.startMs + last1.durationMs + gapMs,
  });
  const last2 = run2.at(-1)!;
  return { run1, run2, startMs: opts.startMs, endMs: last2.startMs + last2.durationMs, gapMs };
}
