import { readdirSync, readFileSync } from "node:fs";
import { open, readdir, stat, truncate } from "node:fs/promises";
import path from "node:path";

/**
 * What a power cut does to a recorder, as far as a test on a running machine
 * can do it: every process of the recorder stops at the same instant (its
 * process group and those of its children, ffmpeg's included: ffmpeg runs in
 * a group of its own), then the files written last are torn the way a lost
 * page cache or an SD card leaves them.
 */

/** A small seeded PRNG (mulberry32): a failing run is replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The process and every descendant of it (from /proc), with their process groups. */
function processTree(root: number): { pid: number; pgid: number }[] {
  const parents = new Map<number, number[]>();
  const groups = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pid = Number(name);
    const ppid = Number(fields[1]);
    groups.set(pid, Number(fields[2]));
    parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
  }
  const out: { pid: number; pgid: number }[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push({ pid, pgid: groups.get(pid) ?? pid });
    todo.push(...(parents.get(pid) ?? []));
  }
  return out;
}

/**
 * Stops every process of the tree at once (SIGSTOP to each, then SIGKILL to
 * each process group and each process): nothing of it runs after the first
 * signal, as after a power cut. Returns how many processes it hit.
 */
export function powerCut(rootPid: number): number {
  const tree = processTree(rootPid);
  const send = (target: number, sig: NodeJS.Signals) => {
    try {
      process.kill(target, sig);
    } catch {
      // gone already
    }
  };
  for (const p of tree) send(p.pid, "SIGSTOP");
  for (const pgid of new Set(tree.map((p) => p.pgid))) send(-pgid, "SIGKILL");
  for (const p of tree) send(p.pid, "SIGKILL");
  return tree.length;
}

export type TearKind = "keep" | "truncate" | "zero-tail" | "garbage-tail";

export interface Tear {
  file: string;
  kind: TearKind;
  bytesBefore: number;
  /** Where the damage starts (bytes kept intact). */
  at: number;
}

/**
 * Tears one file: cut at a random length, zeros from a random offset to the
 * end (a file whose size reached the disk but whose last blocks did not), or
 * random bytes from a random offset, sometimes past the old end. `keep`
 * leaves it whole.
 */
export async function tearFile(file: string, kind: TearKind, rand: () => number): Promise<Tear> {
  const size = (await stat(file)).size;
  const at = Math.floor(rand() * size);
  if (kind === "truncate") await truncate(file, at);
  else if (kind === "zero-tail" || kind === "garbage-tail") {
    const length = kind === "zero-tail" ? size - at : size - at + Math.floor(rand() * 65_536);
    const bytes = Buffer.alloc(length);
    if (kind === "garbage-tail") for (let i = 0; i < length; i++) bytes[i] = (rand() * 256) | 0;
    const handle = await open(file, "r+");
    try {
      await handle.write(bytes, 0, length, at);
    } finally {
      await handle.close();
    }
  }
  return { file, kind, bytesBefore: size, at: kind === "keep" ? size : at };
}

/** The `n` newest regular files of `dir` (by modification time) whose name matches. */
export async function newestFiles(dir: string, n: number, match: RegExp): Promise<string[]> {
  const entries: { file: string; mtimeMs: number }[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!match.test(name)) continue;
    const file = path.join(dir, name);
    const st = await stat(file).catch(() => undefined);
    if (st?.isFile() && st.size > 0) entries.push({ file, mtimeMs: st.mtimeMs });
  }
  return entries
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(0, n)
    .map((e) => e.file);
}
