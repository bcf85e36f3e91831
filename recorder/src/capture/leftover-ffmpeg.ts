import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";

/** The file in an attempt folder that names the ffmpeg writing into it. */
export const FFMPEG_PID_NAME = "ffmpeg.pid";

/** What `stopLeftoverFfmpeg` found in an attempt folder. */
export type LeftoverFfmpeg = "none" | "stopped" | "in-use";

/**
 * A recorder killed outright (SIGKILL, the OOM killer, a crash outside
 * systemd's cgroup) leaves its ffmpeg running: ffmpeg has a process group of
 * its own (see ffmpeg-process.ts), and would go on writing into the spool
 * forever with no disk guard watching. Before the next recorder recovers that
 * attempt folder it stops this ffmpeg the way it stops its own, with one
 * SIGINT, so even the segment in progress is finished and listed; SIGKILL
 * only if ffmpeg has not exited after `timeoutMs`.
 *
 * A pid is trusted only while /proc shows an ffmpeg whose arguments name the
 * folder (pids are reused). An ffmpeg whose parent is still a Node process
 * belongs to a recorder that is alive (two recorders on one spool, a
 * configuration error): it is left alone and reported as `in-use`, and the
 * folder must not be recovered.
 */
export async function stopLeftoverFfmpeg(
  dir: string,
  log: Logger,
  timeoutMs = 5_000,
): Promise<LeftoverFfmpeg> {
  const text = await readFile(path.join(dir, FFMPEG_PID_NAME), "utf8").catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 1 || !(await writesInto(pid, dir))) return "none";
  if (await ownedByNode(pid)) return "in-use";
  log.warn({ pid, dir }, "the ffmpeg of an earlier recorder is still running; stopping it");
  send(pid, "SIGINT");
  if (await exits(pid, dir, timeoutMs)) return "stopped";
  log.warn({ pid, dir }, "leftover ffmpeg ignored SIGINT; sending SIGKILL");
  send(pid, "SIGKILL");
  return (await exits(pid, dir, 2_000)) ? "stopped" : "in-use";
}

/** True when the parent of `pid` is a Node process (a living recorder), not init or a subreaper. */
async function ownedByNode(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? 0);
  if (ppid <= 1) return false;
  const cmdline = await readFile(`/proc/${ppid}/cmdline`, "utf8").catch(() => "");
  return path.basename(cmdline.split("\0")[0] ?? "").startsWith("node");
}

/** True while `pid` is an ffmpeg with an argument inside `dir` (a zombie has no arguments). */
async function writesInto(pid: number, dir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = cmdline.split("\0");
  const inside = `${path.resolve(dir)}${path.sep}`;
  return (
    path.basename(args[0] ?? "").startsWith("ffmpeg") && args.some((a) => a.startsWith(inside))
  );
}

async function exits(pid: number, dir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await writesInto(pid, dir))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !(await writesInto(pid, dir));
}

function send(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}
