import type { Dirent } from "node:fs";
import { lstat, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isChannelName, type Logger } from "@kiroku/shared";
import { type CompletedSegment, oldestFirst } from "./completed-segment";
import { moveToPartial } from "./file-moves";
import { channelSpool, parseQueueFileName } from "./spool-layout";

/**
 * Reading the spool folder as the durable queue (layout in spool-layout.ts).
 *
 * Resume rule: every file in a channel's `queue/` whose name parses as a
 * queue file name is a complete segment (capture moves a file there only
 * after ffmpeg listed it as closed), so it is uploaded under the key its name
 * gives, byte for byte: a segment interrupted by a crash is uploaded again
 * under the same key, never under another. Anything else found in `queue/`
 * (a foreign name, an empty file) is moved to `partial/` with a warning and
 * never uploaded. Files ffmpeg never listed stay in capture's `incoming/`
 * folder; capture recovers or parks them in `partial/` (attempt-output.ts).
 */

/** Channel folders under the spool dir that have a `queue/` (configured or not: all are resumed). */
export async function spooledChannels(spoolDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await listDir(spoolDir)) {
    if (!entry.isDirectory() || !isChannelName(entry.name)) continue;
    const queue = channelSpool(spoolDir, entry.name).queue;
    if ((await stat(queue).catch(() => undefined))?.isDirectory()) out.push(entry.name);
  }
  return out.sort();
}

/** What a queue scan found. */
export interface QueueScan {
  /** Complete segments, oldest first (by start time, then sequence). */
  segments: CompletedSegment[];
}

/** Lists one channel's `queue/` as completed segments (see the resume rule above). */
export async function scanQueue(
  spoolDir: string,
  channel: string,
  log?: Logger,
): Promise<QueueScan> {
  const spool = channelSpool(spoolDir, channel);
  const segments: CompletedSegment[] = [];
  for (const entry of await listDir(spool.queue)) {
    const file = path.join(spool.queue, entry.name);
    // Temp files of an atomic write in progress (".name.tmp") are not ours to touch.
    if (entry.name.startsWith(".")) continue;
    const ref = entry.isFile() ? parseQueueFileName(channel, entry.name) : undefined;
    const bytes = entry.isFile() ? ((await lstat(file).catch(() => undefined))?.size ?? 0) : 0;
    if (!ref || bytes === 0) {
      if (!entry.isFile()) continue;
      await moveToPartial(spool, `queue_${entry.name}`, file).catch(() => {});
      log?.warn(
        { channel, file: entry.name, bytes },
        ref
          ? "empty file in the upload queue moved to partial/ (not uploaded)"
          : "file with a name that is not a segment moved from the upload queue to partial/ (not uploaded)",
      );
      continue;
    }
    segments.push({ ...ref, path: file, bytes });
  }
  segments.sort(oldestFirst);
  return { segments };
}

/** A file in the spool that the disk guard may account for or delete. */
export interface SpoolFile {
  path: string;
  bytes: number;
  /** Modification time (epoch ms). */
  mtimeMs: number;
}

/** The files of one folder (not recursive, regular files only, dot files included). */
export async function listFiles(folder: string): Promise<SpoolFile[]> {
  const out: SpoolFile[] = [];
  for (const entry of await listDir(folder)) {
    if (!entry.isFile()) continue;
    const file = path.join(folder, entry.name);
    const st = await lstat(file).catch(() => undefined);
    if (st) out.push({ path: file, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/**
 * Bytes on disk under `dir`, however deep, counting each file once however
 * many names it has (by device and inode, as `du` does): a segment being
 * moved from `incoming/` to `queue/` has two names for a moment, one file.
 * Symlinks are not followed.
 */
export async function folderBytes(dir: string): Promise<number> {
  const seen = new Set<string>();
  const walk = async (folder: string): Promise<number> => {
    let total = 0;
    for (const entry of await listDir(folder)) {
      const p = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        total += await walk(p);
        continue;
      }
      if (!entry.isFile()) continue;
      const st = await lstat(p, { bigint: true }).catch(() => undefined);
      if (!st) continue;
      const id = `${st.dev}:${st.ino}`;
      if (st.nlink > 1n) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      total += Number(st.size);
    }
    return total;
  };
  return walk(dir);
}

/** The entry names of a folder, as listDir. */
export async function listNames(dir: string): Promise<string[]> {
  return (await listDir(dir)).map((entry) => entry.name);
}

/** The entries of a folder; none when it does not exist or is not a folder (other errors throw). */
export async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw err;
  }
}
