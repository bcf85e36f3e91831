import { spawn } from "node:child_process";
import { createServer } from "node:net";

/**
 * ffmpeg/ffprobe helpers for tests that check real media: packets, keyframes,
 * durations. Every helper runs the real tools (no mocks).
 */
export interface Packet {
  /** Presentation time, seconds. */
  pts: number;
  /** Packet duration, seconds (0 when ffprobe does not say). */
  duration: number;
  key: boolean;
}

/** Runs a command to completion, collecting output. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** ffprobe's format duration of a media file, ms. */
export async function probeDurationMs(file: string): Promise<number> {
  const res = await run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "csv=p=0",
    file,
  ]);
  if (res.code !== 0) throw new Error(`ffprobe ${file} failed: ${res.stderr}`);
  return Math.round(Number(res.stdout.trim()) * 1000);
}

/** Video packets of a media file or URL, counted by ffprobe (`-count_packets`). */
export async function videoPackets(input: string): Promise<number> {
  const res = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-count_packets",
    "-show_entries",
    "stream=nb_read_packets",
    "-of",
    "csv=p=0",
    input,
  ]);
  if (res.code !== 0) throw new Error(`ffprobe ${input} exited with ${res.code}: ${res.stderr}`);
  return Number(res.stdout.trim());
}

/** The packets of one stream of a media file (`v` video, `a` audio), in file order. */
export async function probePackets(file: string, stream: "v" | "a" = "v"): Promise<Packet[]> {
  const res = await run("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    `${stream}:0`,
    "-show_entries",
    "packet=pts_time,duration_time,flags",
    "-of",
    "csv=p=0",
    file,
  ]);
  if (res.code !== 0) throw new Error(`ffprobe ${file} failed: ${res.stderr}`);
  return res.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [pts, duration, flags] = line.split(",");
      return {
        pts: Number(pts),
        duration: Number(duration) || 0,
        key: (flags ?? "").includes("K"),
      };
    })
    .filter((p) => Number.isFinite(p.pts));
}

/** Span of a stream in a file: first pts to last pts + last duration (seconds). */
export function span(packets: Packet[]): { start: number; end: number; duration: number } {
  const sorted = [...packets].sort((a, b) => a.pts - b.pts);
  const start = sorted[0]?.pts ?? 0;
  const last = sorted.at(-1);
  const end = last ? last.pts + last.duration : 0;
  return { start, end, duration: end - start };
}

/** Whether ffmpeg decodes the whole file without errors (`-xerror`), with the decode error text if not. */
export async function decodes(file: string): Promise<{ ok: boolean; errors: string }> {
  const res = await run("ffmpeg", ["-v", "error", "-xerror", "-i", file, "-f", "null", "-"], {
    timeoutMs: 60_000,
  });
  return { ok: res.code === 0 && res.stderr.trim() === "", errors: res.stderr.trim() };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `check` returns a value (not undefined/false), polling; throws
 * after `timeoutMs` naming `what` (a function is asked only then, e.g. for
 * the tail of a process's output).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string) = "condition",
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
