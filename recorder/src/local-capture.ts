import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import { ChannelRecorder } from "./capture/channel-recorder";
import type { ChannelConfig } from "./recorder-config";
import type { CompletedSegment } from "./spool/completed-segment";

/**
 * `pnpm recorder capture --source … --out DIR --duration SECONDS`: try a
 * camera without any cloud. The same ChannelRecorder as the daemon records
 * into a spool inside `DIR/.kiroku/` (its state.json keeps run and seq
 * counters, so capturing into the same folder again never reuses a name), and
 * every completed segment is moved to `DIR/` under its final queue name,
 * e.g. `2026-11-22_10-30-00.000Z_2000ms_r1_s1.ts`.
 */
export interface LocalCaptureOptions {
  channel: ChannelConfig;
  outDir: string;
  /** Record this many seconds of video, to within one segment (undefined: until stopped). */
  durationS?: number;
  targetDuration: number;
  log: Logger;
  /** Resolves early on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

export interface CaptureSummary {
  channel: string;
  outDir: string;
  segments: number;
  runs: number[];
  bytes: number;
  /** Sum of segment durations, ms. */
  durationMs: number;
  firstStart?: string;
  lastEnd?: string;
  restarts: number;
  files: CaptureFile[];
}

export interface CaptureFile {
  file: string;
  startMs: number;
  durationMs: number;
  run: number;
  seq: number;
  bytes: number;
  media?: CompletedSegment["media"];
}

export async function runLocalCapture(opts: LocalCaptureOptions): Promise<CaptureSummary> {
  const outDir = path.resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const files: CaptureFile[] = [];
  let sawSegment = false;
  let firstSegmentStart: (startMs: number) => void = () => {};
  let moves: Promise<void> = Promise.resolve();
  const recorder = new ChannelRecorder({
    channel: opts.channel,
    spoolDir: path.join(outDir, ".kiroku"),
    targetDuration: opts.targetDuration,
    log: opts.log,
    onSegment: (seg) => {
      if (!sawSegment) {
        sawSegment = true;
        firstSegmentStart(seg.startMs);
      }
      const file = path.join(outDir, path.basename(seg.path));
      moves = moves.then(async () => {
        await rename(seg.path, file);
        files.push({
          file,
          startMs: seg.startMs,
          durationMs: seg.durationMs,
          run: seg.run,
          seq: seg.seq,
          bytes: seg.bytes,
          media: seg.media,
        });
        opts.log.info(
          { file: path.basename(file), durationMs: seg.durationMs, bytes: seg.bytes },
          "segment",
        );
      });
    },
  });
  let restarts = 0;
  recorder.on("restart", () => restarts++);
  recorder.start();
  await new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopAt = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(resolve, Math.max(0, ms - Date.now()));
    };
    if (opts.durationS !== undefined) {
      const durationMs = opts.durationS * 1000;
      // `--duration` counts video, not process time: ffmpeg takes a second or
      // two to open a camera, so the stop is timed from the first frame (the
      // first segment's start) and the segment in progress is finalized at
      // the stop. Until a first segment arrives, a deadline with room for a
      // slow start still ends a capture whose source never delivers.
      stopAt(Date.now() + durationMs + Math.max(opts.targetDuration * 1000, 10_000));
      firstSegmentStart = (startMs) => stopAt(startMs + durationMs);
    }
    opts.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
    if (opts.signal?.aborted) resolve();
  });
  await recorder.stop();
  await moves;
  files.sort((a, b) => a.seq - b.seq);
  const first = files[0];
  const last = files.at(-1);
  return {
    channel: opts.channel.name,
    outDir,
    segments: files.length,
    runs: [...new Set(files.map((f) => f.run))],
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    durationMs: files.reduce((s, f) => s + f.durationMs, 0),
    ...(first ? { firstStart: new Date(first.startMs).toISOString() } : {}),
    ...(last ? { lastEnd: new Date(last.startMs + last.durationMs).toISOString() } : {}),
    restarts,
    files,
  };
}
