import { open, rename, unlink } from "node:fs/promises";
import path from "node:path";

/**
 * Writing files so that a power cut leaves either the old or the new
 * version, never half of one, and never loses a write that was reported
 * done.
 *
 * A `write()` followed by `close()` only puts the bytes in the page cache; a
 * power cut a few seconds later can leave the file empty, short, or full of
 * zeros (ext4 with delayed allocation, an SD card's own cache). `rename()` is
 * atomic for readers, but the rename itself is a change to the folder, which
 * is only durable once the folder is fsynced. Hence, for every file the
 * recorder writes and later reads back (spool state, run journals, the
 * local heartbeat, ffmpeg's pid file):
 *
 *   write `.name.tmp` → fsync it → rename over `name` → fsync the folder.
 *
 * The temp name has no pid in it: one process writes a given file at a time
 * (saves are serialized by their owners), and a temp file a crash left behind
 * is simply overwritten by the next write instead of piling up.
 */
export async function writeDurable(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

/** Flushes a file's data and metadata to the device. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a folder's entries durable (a link, rename or new file in it). File
 * systems that refuse to fsync a folder (EINVAL, EISDIR on some FUSE mounts
 * and network shares) have no better way to offer: ignored there.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "ENOTSUP" && code !== "EPERM") throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Appends one line to a journal file and makes it durable before returning
 * (the folder too when the file is new). A power cut can leave the last line
 * torn: readers must skip a line that does not parse.
 */
export async function appendDurable(file: string, line: string): Promise<void> {
  const handle = await open(file, "a");
  let created = false;
  try {
    created = (await handle.stat()).size === 0;
    await handle.appendFile(line.endsWith("\n") ? line : `${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await fsyncDir(path.dirname(file));
}
