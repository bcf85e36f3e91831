// Recorder daemon cost per channel: the real daemon (`recorder/dist/cli.js
// run`, as the systemd unit runs it; see daemon-harness.ts) records one
// test-pattern channel for BENCH_SECONDS (default 120) and uploads every
// segment to an embedded S3 server; its Node process's CPU % (utime+stime
// from /proc/PID/stat) and RSS (VmRSS from /proc/PID/status) are sampled once
// a second. ffmpeg (its child) and the S3 server (this process) are not
// counted. Prints the figures as JSON on the last line for `pnpm bench`.
// Target: under 2 % of one core and under 80 MB RSS. The long-run view of the
// same daemon (RSS slope, bytes written) is soak.ts.
import {
  CLOCK_TICKS_PER_SECOND,
  cpuTicks,
  median,
  rssMb,
  sleep,
  startDaemonUnderTest,
} from "./daemon-harness";

const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const targetDuration = Number(process.env.TARGET_DURATION ?? 2);

const daemon = await startDaemonUnderTest({ label: "bench-daemon", channels: 1, targetDuration });
const { pid } = daemon;

// Skip start-up (module loading, the first segment) before sampling.
await sleep(10_000);
const cpu: number[] = [];
const rss: number[] = [];
let prevTicks = await cpuTicks(pid);
let prevAt = performance.now();
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  await sleep(1_000);
  const t = await cpuTicks(pid);
  const at = performance.now();
  cpu.push(((t - prevTicks) / CLOCK_TICKS_PER_SECOND / ((at - prevAt) / 1000)) * 100);
  rss.push(await rssMb(pid));
  prevTicks = t;
  prevAt = at;
}
const exitCode = await daemon.stop();
const uploaded = (await daemon.uploaded()).count;
await daemon.dispose();

const mean = cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length);
// One-second samples are quantized to 1 % (one clock tick): take medians of 10 s windows.
const windows: number[] = [];
for (let i = 0; i + 10 <= cpu.length; i += 10)
  windows.push(cpu.slice(i, i + 10).reduce((a, b) => a + b, 0) / 10);
console.log(
  `the daemon recorded and uploaded ${uploaded} segments of ${targetDuration} s in ${seconds} s of sampling (exit ${exitCode})`,
);
console.log(
  JSON.stringify({
    seconds,
    segmentsUploaded: uploaded,
    cpuPercentMedian: Number(median(windows.length > 0 ? windows : cpu).toFixed(2)),
    cpuPercentMean: Number(mean.toFixed(2)),
    rssMbMedian: Number(median(rss).toFixed(1)),
    rssMbMax: Number(Math.max(...rss).toFixed(1)),
    targetCpuPercent: 2,
    targetRssMb: 80,
  }),
);
