// Recorder daemon cost per channel: records one test-pattern channel for
// BENCH_SECONDS (default 120) with the ChannelRecorder in a child Node process
// and samples that process's CPU % (utime+stime from /proc/PID/stat) and RSS
// (VmRSS from /proc/PID/status) once a second; ffmpeg (a grandchild) is not
// counted. Prints medians as JSON on the last line for `pnpm bench`.
// Target: under 2 % of one core and under 80 MB RSS. The child runs an
// esbuild bundle, like the installed daemon (recorder/dist/cli.js), not tsx,
// whose loader alone would add tens of MB.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

if (process.argv[2] === "--child") {
  // The measured process: one ChannelRecorder, segments logged and discarded like a daemon without uploads.
  const { ChannelRecorder, parseRecorderConfig } = await import("@kiroku/recorder");
  const { createLogger } = await import("@kiroku/shared");
  const { unlink } = await import("node:fs/promises");
  const spoolDir = process.argv[3]!;
  const config = parseRecorderConfig({ ...process.env, SOURCE: "test", SPOOL_DIR: spoolDir });
  const log = createLogger("bench", { LOG_LEVEL: "warn", LOG_FORMAT: "json" });
  let segments = 0;
  const rec = new ChannelRecorder({
    channel: config.channels[0]!,
    spoolDir,
    targetDuration: config.targetDuration,
    log,
    onSegment: (seg) => {
      segments++;
      void unlink(seg.path).catch(() => {});
    },
  });
  rec.start();
  process.once("SIGTERM", () => {
    void rec.stop().then(() => {
      process.stdout.write(`${JSON.stringify({ segments })}\n`);
      process.exit(0);
    });
  });
} else {
  const seconds = Number(process.env.BENCH_SECONDS ?? 120);
  const targetDuration = process.env.TARGET_DURATION ?? "2";
  const spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-"));
  const bundle = await bundleSelf();
  const child = spawn(process.execPath, [bundle, "--child", spool], {
    cwd: root,
    env: { ...process.env, TARGET_DURATION: targetDuration, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
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
  // Skip start-up (tsx compiling, first segment) before sampling.
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
  await new Promise((r) => child.on("exit", r));
  await rm(spool, { recursive: true, force: true });
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  const segments = JSON.parse(out.trim().split("\n").at(-1) ?? "{}").segments ?? 0;
  const mean = cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length);
  // One-second samples are quantized to 1 % (one clock tick): take medians of 10 s windows.
  const windows: number[] = [];
  for (let i = 0; i + 10 <= cpu.length; i += 10)
    windows.push(cpu.slice(i, i + 10).reduce((a, b) => a + b, 0) / 10);
  console.log(
    `recorded ${seconds} s of a 640x360 test pattern in ${targetDuration} s segments: ${segments} segments`,
  );
  console.log(
    JSON.stringify({
      seconds,
      segments,
      cpuPercentMedian: Number(median(windows.length > 0 ? windows : cpu).toFixed(2)),
      cpuPercentMean: Number(mean.toFixed(2)),
      rssMbMedian: Number(median(rss).toFixed(1)),
      rssMbMax: Number(Math.max(...rss).toFixed(1)),
      targetCpuPercent: 2,
      targetRssMb: 80,
    }),
  );
}

/** Bundles this script the way scripts/build.mjs bundles the CLI (recorder dependencies external). */
async function bundleSelf(): Promise<string> {
  const { build } = await import("esbuild");
  const manifest = JSON.parse(await readFile(path.join(root, "recorder/package.json"), "utf8"));
  const outfile = path.join(root, "recorder/node_modules/.cache/kiroku-bench/daemon-cost.mjs");
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
    alias: {
      "@kiroku/shared": path.join(root, "shared/src/index.ts"),
      "@kiroku/recorder": path.join(root, "recorder/src/index.ts"),
    },
    external: Object.keys(manifest.dependencies ?? {}).filter((n) => !n.startsWith("@kiroku/")),
    banner: {
      js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
    },
  });
  return outfile;
}
