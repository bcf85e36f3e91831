// The harness the daemon benchmarks share (daemon-cost.ts, soak.ts): the real
// recorder daemon (`recorder/dist/cli.js run`, with the Node flags of the
// systemd unit and of `pnpm recorder`) recording test-pattern channels into
// its own spool and uploading to its own embedded S3 server, plus readers of
// what the kernel says about a process from outside it (/proc/PID/stat,
// status, io): the daemon's own view of itself would cost it memory.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createS3Client } from "@kiroku/shared";
import { type S3Server, startS3Server } from "@kiroku/shared/s3-server";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The Node flags of `pnpm recorder` (root package.json) and of the systemd
 * unit's ExecStart (deploy/raspberry-pi/kiroku-recorder.service).
 * RECORDER_NODE_FLAGS overrides them (e.g. to add `--heapsnapshot-signal=SIGUSR2`).
 */
export const RECORDER_NODE_FLAGS = "--max-semi-space-size=1 --optimize-for-size";

/**
 * glibc's malloc settings as the systemd unit and `pnpm recorder` set them:
 * two arenas instead of 8 per core, and fixed mmap and trim thresholds of
 * 128 KiB, so that a segment-sized buffer (an upload body, a read chunk) is
 * mapped and handed back to the kernel when freed instead of fragmenting
 * the heap (glibc otherwise raises its mmap threshold up to 32 MiB after the
 * first large free). RECORDER_MALLOC_ENV overrides them (`NAME=value`
 * pairs separated by spaces); empty leaves glibc's defaults, to compare.
 */
export const RECORDER_MALLOC_ENV =
  "MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072";

/** `NAME=value NAME=value` as an environment object. */
export function envPairs(pairs: string): Record<string, string> {
  return Object.fromEntries(
    pairs
      .split(" ")
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
}

export interface DaemonBenchOptions {
  /** Names the work folder, e.g. `soak-1ch`. */
  label: string;
  /** Number of test-pattern channels (cam1…camN). */
  channels: number;
  /** TARGET_DURATION in seconds. */
  targetDuration: number;
  /** Test pattern size, e.g. `320x240` (default: the recorder's own default). */
  videoSize?: string;
  /** Test pattern frames per second (default: the recorder's own default). */
  framerate?: number;
  /** Folder under which the work folder (spool, S3 data) is made. Default the OS temp folder. */
  parentDir?: string;
  /** Extra environment for the daemon (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** The daemon's stdout (its log, and V8's `--trace-gc` lines): dropped unless "inherit". */
  stdout?: "ignore" | "inherit";
}

/** A recorder daemon under measurement, with its own spool and S3 server. */
export interface DaemonUnderTest {
  pid: number;
  child: ChildProcess;
  /** Work folder: `spool/`, `s3/`, `recorder.json`. */
  work: string;
  spoolDir: string;
  server: S3Server;
  bucket: string;
  channels: string[];
  /** SIGTERM, then the exit code once the daemon has stopped (ffmpeg finalizes its segment). */
  stop(): Promise<number | null>;
  /** Segment objects in the bucket now: count and total bytes, per channel and in all. */
  uploaded(): Promise<{ count: number; bytes: number }>;
  /** Stops the S3 server and deletes the work folder. */
  dispose(): Promise<void>;
}

/** Builds the recorder once if `recorder/dist/cli.js` is missing. */
export function ensureRecorderBuilt(): string {
  const cli = path.join(root, "recorder/dist/cli.js");
  if (!existsSync(cli))
    spawnSync(process.execPath, [path.join(root, "scripts/build.mjs"), "recorder"], {
      stdio: "inherit",
    });
  return cli;
}

/** Starts the daemon with a config file of `channels` test-pattern channels. */
export async function startDaemonUnderTest(opts: DaemonBenchOptions): Promise<DaemonUnderTest> {
  const cli = ensureRecorderBuilt();
  const work = await mkdtemp(path.join(opts.parentDir ?? os.tmpdir(), `kiroku-${opts.label}-`));
  const bucket = "bench-daemon";
  const server = await startS3Server({ dir: path.join(work, "s3"), bucket });
  const spoolDir = path.join(work, "spool");
  const channels = Array.from({ length: opts.channels }, (_, i) => `cam${i + 1}`);
  const configFile = path.join(work, "recorder.json");
  await writeFile(
    configFile,
    JSON.stringify({
      spoolDir,
      targetDuration: opts.targetDuration,
      metricsPort: 0,
      channels: channels.map((name) => ({
        name,
        source: "test",
        ...(opts.videoSize ? { videoSize: opts.videoSize } : {}),
        ...(opts.framerate ? { framerate: opts.framerate } : {}),
      })),
    }),
  );
  const nodeFlags = (process.env.RECORDER_NODE_FLAGS ?? RECORDER_NODE_FLAGS)
    .split(" ")
    .filter(Boolean);
  const malloc = envPairs(process.env.RECORDER_MALLOC_ENV ?? RECORDER_MALLOC_ENV);
  const child = spawn(process.execPath, [...nodeFlags, cli, "run", "--config", configFile], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      S3_BUCKETNAME: bucket,
      S3_ENDPOINT: server.endpoint,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      LOG_FORMAT: "json",
      LOG_LEVEL: "warn",
      ...malloc,
      ...opts.env,
    },
    stdio: ["ignore", opts.stdout ?? "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const s3 = createS3Client({
    bucket,
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
  });
  return {
    pid: child.pid!,
    child,
    work,
    spoolDir,
    server,
    bucket,
    channels,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    async uploaded() {
      let count = 0;
      let bytes = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: "movie/", ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key?.endsWith(".ts")) continue;
          count++;
          bytes += o.Size ?? 0;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return { count, bytes };
    },
    async dispose() {
      s3.destroy();
      await server.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** USER_HZ: clock ticks per second in /proc/PID/stat on Linux. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time the process has used so far, in clock ticks (utime + stime of /proc/PID/stat). */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size in MB (VmRSS of /proc/PID/status). */
export async function rssMb(pid: number): Promise<number> {
  return (await residentMb(pid)).rss;
}

/**
 * VmRSS split as /proc/PID/status splits it: `anon` (heap, stacks, malloc:
 * the process's own memory) and `file` (pages of mapped files, mostly the
 * node binary's code: shared and reclaimable).
 */
export async function residentMb(
  pid: number,
): Promise<{ rss: number; anon: number; file: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024 };
}

/**
 * I/O counters of /proc/PID/io: `wchar` (bytes passed to write(2) and
 * friends, any file system), `write_bytes` (bytes this process caused to be
 * sent to the block layer, counted when the page is dirtied) and
 * `cancelled_write_bytes` (dirty bytes that never reached the disk because
 * the file was truncated or deleted first). A process's counters include
 * those of the children it has reaped (ffmpeg attempts that ended).
 */
export interface IoCounters {
  wchar: number;
  writeBytes: number;
  cancelledWriteBytes: number;
}

export async function ioCounters(pid: number): Promise<IoCounters> {
  const text = await readFile(`/proc/${pid}/io`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1]);
  return {
    wchar: field("wchar"),
    writeBytes: field("write_bytes"),
    cancelledWriteBytes: field("cancelled_write_bytes"),
  };
}

/** The process and all its living descendants (via /proc/PID/task/TID/children). */
export async function processTree(pid: number): Promise<number[]> {
  const out: number[] = [];
  const visit = async (p: number) => {
    out.push(p);
    let tasks: string[] = [];
    try {
      tasks = await readdir(`/proc/${p}/task`);
    } catch {
      return; // exited meanwhile
    }
    for (const tid of tasks) {
      let children = "";
      try {
        children = await readFile(`/proc/${p}/task/${tid}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of children.split(" ").filter(Boolean)) await visit(Number(c));
    }
  };
  await visit(pid);
  return out;
}

/**
 * I/O of the whole tree now: the daemon (which includes the ffmpeg attempts
 * it has already reaped) plus every living descendant.
 */
export async function treeIoCounters(pid: number): Promise<IoCounters> {
  const sum: IoCounters = { wchar: 0, writeBytes: 0, cancelledWriteBytes: 0 };
  for (const p of await processTree(pid)) {
    try {
      const c = await ioCounters(p);
      sum.wchar += c.wchar;
      sum.writeBytes += c.writeBytes;
      sum.cancelledWriteBytes += c.cancelledWriteBytes;
    } catch {
      // exited between listing and reading: its counters went to its parent
    }
  }
  return sum;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Least-squares slope of y over x (0 for fewer than two points). */
export function leastSquaresSlope(xs: number[], ys: number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
