import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ChannelStatus, parseSegmentKey, type StoredSegment } from "@kiroku/shared";
import { listAll, type TestS3 } from "@kiroku/test/s3";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The recorder daemon as a real process (`recorder run` from source), its JSON log collected. */
export interface DaemonProcess {
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Exit code (or signal) once it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `recorder run` (plus `opts.args`, e.g. `--config FILE`) with the env
 * of a test (the S3 env of `s3` plus `env`). `detached`: in a process group
 * of its own, so a test can kill the group.
 */
export function startDaemon(
  env: Record<string, string>,
  opts: { args?: string[]; detached?: boolean } = {},
): DaemonProcess {
  const args = opts.args ?? [];
  const proc = spawn(process.execPath, ["--import", "tsx", "recorder/src/cli.ts", "run", ...args], {
    cwd: root,
    detached: opts.detached ?? false,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      SOURCE: "test",
      VIDEO_SIZE: "320x240",
      FRAMERATE: "15",
      TEST_AUDIO: "false",
      TARGET_DURATION: "2",
      STATUS_INTERVAL: "1",
      METRICS_PORT: "0",
      SPOOL_MIN_FREE_BYTES: "0",
      // One more ffmpeg per 2 s segment: thumbnails are on only where a test
      // is about them (recorder-thumbnails, and the full disk, where their
      // links hold segments the disk guard must account for).
      THUMBNAILS: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let carry = "";
  proc.stdout!.on("data", (chunk: Buffer) => {
    const lines = (carry + chunk.toString("utf8")).split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const w of [...waiters]) w();
  });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  void exited.then((e) => {
    if (e.code !== 0 && e.signal === null && stderr) console.error(`daemon stderr:\n${stderr}`);
  });
  return {
    proc,
    logs,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = logs.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching daemon log line within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Segments of a channel in the bucket, in key (= time) order. */
export async function bucketSegments(s3: TestS3, channel: string): Promise<StoredSegment[]> {
  const objects = await listAll(s3.s3, s3.bucket, `movie/${channel}/`);
  return objects
    .map((o) => parseSegmentKey("movie", o.key))
    .filter((s): s is StoredSegment => s !== undefined);
}

/** File names in a folder (none when it does not exist). */
export async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** The local heartbeat copy the daemon keeps in the spool. */
export async function localStatus(spoolDir: string, channel: string): Promise<ChannelStatus> {
  return JSON.parse(await readFile(path.join(spoolDir, channel, "status.json"), "utf8"));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** GET a URL, returning status and text (undefined on connection failure). */
export async function httpGet(url: string): Promise<{ status: number; text: string } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

export { freePort } from "@kiroku/test/ffmpeg-tools";
