// Recorder daemon cost per channel: the real daemon (`recorder/dist/cli.js
// run`, as the systemd unit runs it) records one test-pattern channel for
// BENCH_SECONDS (default 120) and uploads every segment to an embedded S3
// server; its Node process's CPU % (utime+stime from /proc/PID/stat) and RSS
// (VmRSS from /proc/PID/status) are sampled once a second. ffmpeg (its child)
// and the S3 server (this process) are not counted. Prints the figures as
// JSON on the last line for `pnpm bench`. Target: under 2 % of one core and
// under 80 MB RSS.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createS3Client } from "@kiroku/shared";
import { startS3Server } from "@kiroku/shared/s3-server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const targetDuration = process.env.TARGET_DURATION ?? "2";
const cli = path.join(root, "recorder/dist/cli.js");
if (!existsSync(cli))
  spawnSync(process.execPath, [path.join(root, "scripts/build.mjs"), "recorder"], {
    stdio: "inherit",
  });

const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-daemon-"));
const bucket = "bench-daemon";
const server = await startS3Server({ dir: path.join(work, "s3"), bucket });
// The same Node flags as the systemd unit's ExecStart (deploy/raspberry-pi/kiroku-recorder.service).
const nodeFlags = (process.env.RECORDER_NODE_FLAGS ?? "--max-semi-space-size=1")
  .split(" ")
  .filter(Boolean);
const child = spawn(process.execPath, [...nodeFlags, cli, "run"], {
  cwd: root,
  env: {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    S3_BUCKETNAME: bucket,
    S3_ENDPOINT: server.endpoint,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    CHANNEL: "cam1",
    SOURCE: "test",
    TARGET_DURATION: targetDuration,
    SPOOL_DIR: path.join(work, "spool"),
    METRICS_PORT: "0",
    LOG_FORMAT: "json",
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const pid = child.pid!;
const tick = 100; // USER_HZ: clock ticks per second in /proc/PID/stat on Linux
const cpuTicks = async () => {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};
const rssMb = async () => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

// Skip start-up (module loading, the first segment) before sampling.
await new Promise((r) => setTimeout(r, 10_000));
const cpu: number[] = [];
const rss: number[] = [];
let prevTicks = await cpuTicks();
let prevAt = performance.now();
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  await new Promise((r) => setTimeout(r, 1_000));
  const t = await cpuTicks();
  const at = performance.now();
  cpu.push(((t - prevTicks) / tick / ((at - prevAt) / 1000)) * 100);
  rss.push(await rssMb());
  prevTicks = t;
  prevAt = at;
}
child.kill("SIGTERM");
const exitCode = await new Promise<number | null>((r) => child.on("exit", (code) => r(code)));

const s3 = createS3Client({
  bucket,
  region: "us-east-1",
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: server.credentials,
});
let uploaded = 0;
let token: string | undefined;
do {
  const page = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: "movie/cam1/", ContinuationToken: token }),
  );
  uploaded += (page.Contents ?? []).filter((o) => o.Key?.endsWith(".ts")).length;
  token = page.IsTruncated ? page.NextContinuationToken : undefined;
} while (token);
s3.destroy();
await server.stop();
await rm(work, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
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
