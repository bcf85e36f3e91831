// Soak: the real recorder daemon (daemon-harness.ts: `recorder/dist/cli.js
// run` with the unit's Node flags, its own spool and embedded S3 server)
// records test-pattern channels for SOAK_MINUTES (default 40), once with 1
// channel and once with 4 (SOAK_CHANNELS="1,4"; the runs go side by side,
// each with its own spool, S3 server and port). From outside the process:
//
// - Memory: VmRSS of the daemon's Node process every SOAK_SAMPLE_SECONDS
//   (default 5); reported at warm-up (SOAK_WARMUP_MINUTES, default 10: V8
//   sizes its heap and compiles for about 8 minutes, flat afterwards), at the
//   end, the median and peak after warm-up, and the least-squares slope after
//   warm-up in MB/hour, for VmRSS and for its anonymous part (RssAnon: the
//   process's own memory, without the node binary's shared code pages), and
//   the slope of the 5-minute troughs (what full collections leave).
//   Targets: under 80 MB with one channel, slope under 5 MB/hour.
// - SD card: bytes the daemon and its ffmpeg children wrote (/proc/PID/io of
//   the process tree, read just before the stop; the daemon's counters hold
//   those of ffmpeg attempts it has reaped), against the video bytes produced
//   (segment objects in the bucket plus segments still in the spool). Write
//   amplification = write_bytes / video bytes; target ≤ 1.1. write_bytes is
//   counted when a page is dirtied; the "net" figure takes away
//   cancelled_write_bytes (files deleted before the kernel wrote them back:
//   a segment uploaded and deleted within ~30 s and never fsynced may never
//   reach the card). wchar counts every write(2), the uploads' socket writes
//   included, so it is about 2× the video and not a disk figure.
//
// The test pattern is small (SOAK_VIDEO_SIZE 320x240 at SOAK_FRAMERATE 10)
// so that 5 encodes fit beside other work on a 2-core machine; segments are
// TARGET_DURATION 2 s, 15 times the product's default rate, so anything kept
// per segment shows 15 times sooner. `SOAK_MINUTES=1 pnpm bench soak` is a
// smoke run; the figures in the README come from the default 40-minute runs. Not part of
// the plain `pnpm bench`.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type DaemonUnderTest,
  type IoCounters,
  leastSquaresSlope,
  median,
  RECORDER_MALLOC_ENV,
  RECORDER_NODE_FLAGS,
  residentMb,
  root,
  sleep,
  startDaemonUnderTest,
  treeIoCounters,
} from "./daemon-harness";

const minutes = Number(process.env.SOAK_MINUTES ?? 40);
const warmupMinutes = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 10), minutes / 3);
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const channelCounts = (process.env.SOAK_CHANNELS ?? "1,4").split(",").map(Number);
const targetDuration = Number(process.env.TARGET_DURATION ?? 2);
const videoSize = process.env.SOAK_VIDEO_SIZE ?? "320x240";
const framerate = Number(process.env.SOAK_FRAMERATE ?? 10);
// A folder on a real disk: on tmpfs, write_bytes would be 0 whatever was written.
const parentDir = process.env.SOAK_DIR ?? os.tmpdir();
mkdirSync(parentDir, { recursive: true }); // a named folder that does not exist yet is made

const fsType = (() => {
  try {
    return execFileSync("stat", ["-f", "-c", "%T", parentDir], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
const log = (line: string) => process.stderr.write(`soak: ${line}\n`);

/** Bytes of the segment files still in a spool (not yet uploaded, or in progress). */
function spoolSegmentBytes(dir: string): number {
  let sum = 0;
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      try {
        const s = statSync(p);
        if (s.isDirectory()) walk(p);
        else if (n.endsWith(".ts")) sum += s.size;
      } catch {}
    }
  };
  walk(dir);
  return sum;
}

/**
 * RSS rises between V8's full collections and falls after them, a sawtooth
 * minutes long that tilts a least-squares line over 20 minutes either way.
 * What a full collection leaves is the floor: the slope of the lowest sample
 * of each 5-minute window (MB per second; 0 with fewer than two windows).
 */
function troughSlope(at: number[], mb: number[], windowS = 300): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let start = at[0] ?? 0; start + windowS <= (at.at(-1) ?? 0) + 1e-9; start += windowS) {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < at.length; i++)
      if (at[i]! >= start && at[i]! < start + windowS) min = Math.min(min, mb[i]!);
    xs.push(start + windowS / 2);
    ys.push(min);
  }
  return leastSquaresSlope(xs, ys);
}

interface SoakResult {
  channels: number;
  samples: number;
  segmentsUploaded: number;
  rssMbWarmup: number;
  rssMbEnd: number;
  rssMbMedian: number;
  rssMbMax: number;
  rssSlopeMbPerHour: number;
  rssTroughSlopeMbPerHour: number;
  anonMbWarmup: number;
  anonMbEnd: number;
  anonSlopeMbPerHour: number;
  videoBytes: number;
  writeBytes: number;
  cancelledWriteBytes: number;
  wchar: number;
  writeAmplification: number;
  netWriteAmplification: number;
  wcharAmplification: number;
  writtenMbPerHour: number;
  exitCode: number | null;
}

async function soak(channels: number): Promise<SoakResult> {
  // SOAK_TAG names a variant's files (e.g. a control run beside the main one).
  const label = `soak-${channels}ch${process.env.SOAK_TAG ? `-${process.env.SOAK_TAG}` : ""}`;
  const daemon: DaemonUnderTest = await startDaemonUnderTest({
    label,
    channels,
    targetDuration,
    videoSize,
    framerate,
    parentDir,
  });
  const t0 = performance.now();
  const csv = ["seconds,rss_mb,anon_mb,file_mb,wchar,write_bytes,cancelled_write_bytes"];
  const at: number[] = [];
  const rss: number[] = [];
  const anon: number[] = [];
  let io: IoCounters = { wchar: 0, writeBytes: 0, cancelledWriteBytes: 0 };
  const end = minutes * 60_000;
  let nextLog = 60_000;
  while (performance.now() - t0 < end) {
    await sleep(Math.min(sampleSeconds * 1000, Math.max(0, end - (performance.now() - t0))));
    const s = (performance.now() - t0) / 1000;
    const mem = await residentMb(daemon.pid);
    const r = mem.rss;
    io = await treeIoCounters(daemon.pid);
    at.push(s);
    rss.push(r);
    anon.push(mem.anon);
    csv.push(
      `${s.toFixed(1)},${r.toFixed(2)},${mem.anon.toFixed(2)},${mem.file.toFixed(2)},${io.wchar},${io.writeBytes},${io.cancelledWriteBytes}`,
    );
    if (s * 1000 >= nextLog) {
      log(`${label} ${(s / 60).toFixed(0)} min: RSS ${r.toFixed(1)} MB`);
      nextLog += 60_000;
    }
  }
  // Video produced = what reached the bucket + what is still in the spool, at the same moment as `io`.
  const up = await daemon.uploaded();
  const videoBytes = up.bytes + spoolSegmentBytes(daemon.spoolDir);
  const exitCode = await daemon.stop();
  await daemon.dispose();
  mkdirSync(path.join(root, "test-artifacts"), { recursive: true });
  writeFileSync(path.join(root, `test-artifacts/${label}.csv`), `${csv.join("\n")}\n`);

  const warm = at.findIndex((s) => s >= warmupMinutes * 60);
  const after = warm < 0 ? [] : rss.slice(warm);
  const afterAt = warm < 0 ? [] : at.slice(warm);
  const anonAfter = warm < 0 ? [] : anon.slice(warm);
  const hours = minutes / 60;
  const round = (x: number, d = 1) => Number(x.toFixed(d));
  return {
    channels,
    samples: rss.length,
    segmentsUploaded: up.count,
    rssMbWarmup: round(rss[warm] ?? Number.NaN),
    rssMbEnd: round(rss.at(-1) ?? Number.NaN),
    rssMbMedian: round(median(after)),
    rssMbMax: round(Math.max(...after)),
    rssSlopeMbPerHour: round(leastSquaresSlope(afterAt, after) * 3600, 2),
    rssTroughSlopeMbPerHour: round(troughSlope(afterAt, after) * 3600, 2),
    anonMbWarmup: round(anon[warm] ?? Number.NaN),
    anonMbEnd: round(anon.at(-1) ?? Number.NaN),
    anonSlopeMbPerHour: round(leastSquaresSlope(afterAt, anonAfter) * 3600, 2),
    videoBytes,
    writeBytes: io.writeBytes,
    cancelledWriteBytes: io.cancelledWriteBytes,
    wchar: io.wchar,
    writeAmplification: round(io.writeBytes / videoBytes, 3),
    netWriteAmplification: round((io.writeBytes - io.cancelledWriteBytes) / videoBytes, 3),
    wcharAmplification: round(io.wchar / videoBytes, 3),
    writtenMbPerHour: round(io.writeBytes / 1e6 / hours),
    exitCode,
  };
}

log(
  `${channelCounts.join(" and ")} channel(s) side by side for ${minutes} min (warm-up ${warmupMinutes} min), test pattern ${videoSize} at ${framerate} fps, ${targetDuration} s segments, work folders in ${parentDir} (${fsType})`,
);
if (fsType === "tmpfs" || fsType === "ramfs")
  log(`${parentDir} is ${fsType}: write_bytes will be 0; set SOAK_DIR to a folder on a disk`);
const results = await Promise.all(channelCounts.map((n) => soak(n)));

for (const r of results) {
  console.log(
    `${r.channels} channel(s): RSS ${r.rssMbWarmup} MB at ${warmupMinutes} min → ${r.rssMbEnd} MB at ${minutes} min (median ${r.rssMbMedian}, peak ${r.rssMbMax}), slope ${r.rssSlopeMbPerHour} MB/h (of the 5-minute troughs ${r.rssTroughSlopeMbPerHour} MB/h; anonymous part ${r.anonMbWarmup} → ${r.anonMbEnd} MB, ${r.anonSlopeMbPerHour} MB/h); ${r.segmentsUploaded} segments uploaded; wrote ${(r.writeBytes / 1e6).toFixed(1)} MB (write_bytes) for ${(r.videoBytes / 1e6).toFixed(1)} MB of video: ×${r.writeAmplification}, ${r.writtenMbPerHour} MB/h; ×${r.netWriteAmplification} after deleted-before-writeback (cancelled_write_bytes); wchar ×${r.wcharAmplification} (includes the uploads' socket writes); exit ${r.exitCode}`,
  );
}
console.log(
  JSON.stringify({
    minutes,
    warmupMinutes,
    targetDuration,
    testPattern: `${videoSize}@${framerate}`,
    fileSystem: fsType,
    nodeFlags: process.env.RECORDER_NODE_FLAGS ?? RECORDER_NODE_FLAGS,
    malloc: process.env.RECORDER_MALLOC_ENV ?? RECORDER_MALLOC_ENV,
    ...Object.fromEntries(results.map((r) => [`${r.channels}ch`, r])),
    targetRssMb1ch: 80,
    targetSlopeMbPerHour: 5,
    targetWriteAmplification: 1.1,
  }),
);
