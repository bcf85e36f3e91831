import { link, mkdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { ChannelSpool } from "./spool-layout";

/**
 * Moves a file without ever replacing an existing one: a hard link fails if
 * the target exists, where rename would silently overwrite it.
 */
export async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new Error(`refusing to overwrite ${to}`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw err;
    // File systems without hard links (some FUSE mounts): check, then rename.
    if (await exists(to)) throw new Error(`refusing to overwrite ${to}`);
    await rename(from, to);
    return;
  }
  await unlink(from);
}

/**
 * Moves a file into the channel's `partial/` (created when missing) as
 * `name`, never replacing a file already there (moveNoClobber). Returns its
 * new path.
 */
export async function moveToPartial(
  spool: ChannelSpool,
  name: string,
  file: string,
): Promise<string> {
  await mkdir(spool.partial, { recursive: true });
  const target = path.join(spool.partial, name);
  await moveNoClobber(file, target);
  return target;
}

/** True when a path exists (any kind of file). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
