// Thumbnail cost: what one segment's thumbnail costs the recorder
// (capture/thumbnail-maker.ts: a hard link, the first keyframe read from the
// segment's start and decoded by the long-lived ffmpeg, scaled to
// THUMBNAIL_WIDTH, a durable write). The segment is a 30 s 1280x720
// 2 Mbit/s one made with the recorder's own ffmpeg arguments (a keyframe
// per segment, as when it encodes), handed over one at a time as the
// recorder does. CPU is counted from the kernel's own accounts: this
// process (process.cpuUsage) plus its waited-for children (/proc/self/stat
// cutime + cstime); the maker's stop ends the long-lived ffmpeg and waits
// for its exit before they are read, so ffmpeg's whole share, its start
// included, is in it (amortized over BENCH_RUNS segments: in service over
// all of a day's). `coreShareAt30s` is that CPU over a 30 s
// segment's wall time: the extra load of one channel (target < 1 %).
// Prints the figures as JSON on the last line for `pnpm bench`.
import { link, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLogger } from "@kiroku/shared";
import { makeRecorderSegment } from "../../test/helpers/recorder-segment";
import { ThumbnailMaker } from "../src/capture/thumbnail-maker";
import { queueFileName } from "../src/spool/spool-layout";
import { thumbnailSpool } from "../src/spool/thumbnail-spool";

const runs = Number(process.env.BENCH_RUNS ?? 20);
const width = 320;
const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-thumb-"));
const ticks = 100; // USER_HZ on Linux
const childCpuSeconds = async () => {
  const fields = (await readFile("/proc/self/stat", "utf8")).split(") ")[1]!.split(" ");
  // Fields 16 and 17 of the whole line (cutime, cstime): 14 and 15 after "pid (comm) ".
  return (Number(fields[13]) + Number(fields[14])) / ticks;
};
try {
  await mkdir(path.join(work, "seg"));
  const made = await makeRecorderSegment({
    dir: path.join(work, "seg"),
    seconds: 30,
    size: { width: 1280, height: 720 },
    videoBitrate: 2_000_000,
  });
  const segmentBytes = (await stat(made.path)).size;
  const spoolDir = path.join(work, "spool");
  const queue = path.join(spoolDir, "cam1", "queue");
  await mkdir(queue, { recursive: true });
  const ready: string[] = [];
  let madeOne: (() => void) | undefined;
  const maker = new ThumbnailMaker({
    spoolDir,
    width,
    log: createLogger("bench", { LOG_LEVEL: "warn" }),
    onReady: (_channel, file) => {
      ready.push(file);
      madeOne?.();
    },
  });
  const segs = [];
  for (let i = 0; i < runs; i++) {
    const ref = {
      channel: "cam1",
      startMs: Date.UTC(2026, 10, 22, 10, 0, 30 * i),
      durationMs: 30_000,
      run: 1,
      seq: i + 1,
    };
    const file = path.join(queue, queueFileName(ref));
    await link(made.path, file);
    segs.push({ ...ref, path: file, bytes: segmentBytes });
  }
  const cpu0 = process.cpuUsage();
  const child0 = await childCpuSeconds();
  const t0 = performance.now();
  // One segment at a time, as the recorder hands them over (one per 30 s):
  // the maker skips segments when two of a channel are already waiting.
  for (const seg of segs) {
    const done = new Promise<void>((resolve) => {
      madeOne = resolve;
    });
    maker.take(seg);
    await done;
  }
  await maker.stop();
  const wallMs = performance.now() - t0;
  const own = process.cpuUsage(cpu0);
  const children = (await childCpuSeconds()) - child0;
  if (ready.length !== runs) throw new Error(`made ${ready.length} thumbnails of ${runs}`);
  const sizes = await Promise.all(ready.map(async (f) => (await stat(f)).size));
  const cpuPerSegmentMs = ((own.user + own.system) / 1000 + children * 1000) / runs;
  const thumbBytes = Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
  const dayBytesPerChannel = thumbBytes * 2880;
  console.log(
    `${runs} thumbnails of a 30 s 720p segment (${(segmentBytes / 1e6).toFixed(1)} MB): ${cpuPerSegmentMs.toFixed(0)} ms CPU each (${((cpuPerSegmentMs / 30_000) * 100).toFixed(2)} % of a core per channel), ${thumbBytes} bytes each (${((thumbBytes / segmentBytes) * 100).toFixed(2)} % of the segment), ${(wallMs / runs).toFixed(0)} ms wall each; spool dir ${path.basename(thumbnailSpool(spoolDir, "cam1").queue)}`,
  );
  console.log(
    JSON.stringify({
      thumbnailCpuMsPerSegment: Math.round(cpuPerSegmentMs),
      ffmpegCpuMsPerSegment: Math.round((children * 1000) / runs),
      coreShareAt30sPercent: Number(((cpuPerSegmentMs / 30_000) * 100).toFixed(3)),
      under1PercentOfACore: cpuPerSegmentMs / 30_000 < 0.01,
      thumbnailBytes: thumbBytes,
      bytesPerSegmentPercent: Number(((thumbBytes / segmentBytes) * 100).toFixed(3)),
      extraBytesPerChannelDay: dayBytesPerChannel,
      wallMsPerSegment: Math.round(wallMs / runs),
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
