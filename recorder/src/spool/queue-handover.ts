import { createHash } from "node:crypto";
import { link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { appendDurable, fsyncDir } from "./durable-write";
import { listDir } from "./spool";
import type { ChannelSpool } from "./spool-layout";

/**
 * The move of a closed segment from its attempt folder (`incoming/a{N}/`)
 * into `queue/`, made durable and idempotent, so that a power cut at any
 * instant neither loses the segment nor gives it a second key.
 *
 * `queueSegment` does, in this order:
 *
 * 1. hash the file (SHA-256; from the verifier's read when it hands the
 *    bytes over, so the file is read once) and fsync it: the bytes are on
 *    the device before any name promises them;
 * 2. append `{file, queueName, sha256, bytes}` to the attempt's journal
 *    `incoming/a{N}/queued.jsonl` and fsync it: from here on the file's key
 *    is decided;
 * 3. hard-link the file into `queue/` under its key name (a link never
 *    replaces an existing file) and fsync `queue/`: the upload may start;
 * 4. unlink the attempt folder's name (not fsynced: if the power cut undoes
 *    it, step 2 and 3 tell the next start what happened).
 *
 * After a crash, `recoverQueued` looks at every file ffmpeg listed that is
 * still in an attempt folder before it is completed (again):
 *
 * - it is the same inode (dev + ino) as a file in `queue/` or `uploaded/`
 *   (a crash between link and unlink): the attempt folder's name is removed,
 *   nothing else happens;
 * - the journal names it with the same content hash, but no queue file holds
 *   it (the link was lost, or the segment was uploaded and deleted since):
 *   it is linked into `queue/` again under the same name, so at worst the
 *   same bytes are uploaded again to the same key, never to a second one;
 * - the journal names it with another content hash (the file was damaged
 *   after it was queued): it goes to `partial/`, never uploaded again.
 *
 * The journal lives and dies with its attempt folder (removed with it once
 * every listed file is handed over). A line torn by a power cut is ignored:
 * it was written before the link, so the link never happened.
 */
export const QUEUE_JOURNAL_NAME = "queued.jsonl";

/** One line of an attempt folder's queue journal. */
export interface QueuedRecord {
  /** File name in the attempt folder (`seg000005.ts`). */
  file: string;
  /** File name in `queue/` (the key). */
  queueName: string;
  /** SHA-256 of the content, hex. */
  sha256: string;
  bytes: number;
}

export interface QueueSegmentOptions {
  /** The closed segment, inside its attempt folder. */
  file: string;
  /** Its name in `queue/` (spool-layout's queueFileName). */
  queueName: string;
  spool: ChannelSpool;
  /**
   * The file's bytes when the caller has just read them (the benchmark), or
   * their SHA-256 (the verifier's read): then the file is not read again.
   */
  content?: Uint8Array;
  sha256?: string;
  /**
   * fsync the file, the journal and the queue folder (default true). Only the
   * benchmark turns it off, to measure what durability costs.
   */
  fsync?: boolean;
}

/** Moves a closed segment into `queue/` durably (see above). Returns its queue path and record. */
export async function queueSegment(
  opts: QueueSegmentOptions,
): Promise<{ path: string; record: QueuedRecord }> {
  const { file, queueName, spool } = opts;
  const durable = opts.fsync !== false;
  const { sha256, bytes } = opts.sha256
    ? await givenHashAndSync(file, opts.sha256, durable)
    : opts.content
      ? await hashGivenAndSync(file, opts.content, durable)
      : await hashAndSync(file, durable);
  const record: QueuedRecord = { file: path.basename(file), queueName, sha256, bytes };
  const journal = path.join(path.dirname(file), QUEUE_JOURNAL_NAME);
  if (durable) await appendDurable(journal, JSON.stringify(record));
  else await appendJournalFast(journal, JSON.stringify(record));
  const target = path.join(spool.queue, queueName);
  await moveByLink(file, target, durable);
  return { path: target, record };
}

/** What `recoverQueued` found out about a listed file still in its attempt folder. */
export type RecoveredQueued =
  /** Not queued before: complete it as usual. */
  | { kind: "new" }
  /** Already in `queue/` or `uploaded/` (same inode): its attempt name was removed. */
  | { kind: "already-queued"; path: string }
  /** Queued before, its queue name was gone: linked again under the same name. */
  | { kind: "requeued"; path: string; record: QueuedRecord }
  /** Queued before, but its bytes changed since: moved aside by the caller, never uploaded. */
  | { kind: "changed"; record: QueuedRecord; sha256: string };

/**
 * Recognises a listed file that already reached `queue/` (or the bucket)
 * before a crash (see above). `journal`: the attempt folder's records, read
 * once per folder with `readQueueJournal`.
 */
export async function recoverQueued(
  file: string,
  spool: ChannelSpool,
  journal: Map<string, QueuedRecord>,
): Promise<RecoveredQueued> {
  const info = await stat(file);
  if (info.nlink > 1) {
    // held/: moved there for a trusted clock before the crash (capture's clock gate).
    const twin = await sameInodeIn([spool.queue, spool.uploaded, spool.held], info.dev, info.ino);
    if (twin) {
      await unlink(file);
      return { kind: "already-queued", path: twin };
    }
  }
  const record = journal.get(path.basename(file));
  if (!record) return { kind: "new" };
  const { sha256 } = await hashAndSync(file, false);
  if (sha256 !== record.sha256) return { kind: "changed", record, sha256 };
  for (const folder of [spool.queue, spool.uploaded]) {
    const existing = path.join(folder, record.queueName);
    const st = await stat(existing).catch(() => undefined);
    if (st) {
      // The key's file is there (another inode: a copy restored by hand); keep one.
      await unlink(file);
      return { kind: "already-queued", path: existing };
    }
  }
  const target = path.join(spool.queue, record.queueName);
  await moveByLink(file, target, true);
  return { kind: "requeued", path: target, record };
}

/** The journal of an attempt folder by file name (lines that do not parse are skipped). */
export async function readQueueJournal(dir: string): Promise<Map<string, QueuedRecord>> {
  const out = new Map<string, QueuedRecord>();
  let text = "";
  try {
    text = await readFile(path.join(dir, QUEUE_JOURNAL_NAME), "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    const r = parseRecord(line);
    if (r) out.set(r.file, r);
  }
  return out;
}

function parseRecord(line: string): QueuedRecord | undefined {
  if (line.trim() === "") return undefined;
  try {
    const r = JSON.parse(line) as Partial<QueuedRecord>;
    if (
      typeof r.file === "string" &&
      typeof r.queueName === "string" &&
      typeof r.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(r.sha256) &&
      typeof r.bytes === "number"
    )
      return { file: r.file, queueName: r.queueName, sha256: r.sha256, bytes: r.bytes };
  } catch {
    // A line torn by a power cut.
  }
  return undefined;
}

/** One read of the file for its hash; then (optionally) fsync through the same descriptor. */
async function hashAndSync(
  file: string,
  durable: boolean,
): Promise<{ sha256: string; bytes: number }> {
  const handle = await open(file, "r");
  try {
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(256 * 1024);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    if (durable) await handle.sync();
    return { sha256: hash.digest("hex"), bytes };
  } finally {
    await handle.close();
  }
}

/** The hash of bytes already read, and (optionally) fsync of the file they came from. */
async function hashGivenAndSync(
  file: string,
  content: Uint8Array,
  durable: boolean,
): Promise<{ sha256: string; bytes: number }> {
  const sha256 = createHash("sha256").update(content).digest("hex");
  if (durable) {
    const handle = await open(file, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  return { sha256, bytes: content.byteLength };
}

/** A hash the caller took; the size from the file, then (optionally) its fsync. */
async function givenHashAndSync(
  file: string,
  sha256: string,
  durable: boolean,
): Promise<{ sha256: string; bytes: number }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (durable) await handle.sync();
    return { sha256, bytes: size };
  } finally {
    await handle.close();
  }
}

async function appendJournalFast(file: string, line: string): Promise<void> {
  const handle = await open(file, "a");
  try {
    await handle.appendFile(`${line}\n`);
  } finally {
    await handle.close();
  }
}

/**
 * Hard-links `from` to `to` and removes `from`'s name; an existing `to` that
 * is the same inode counts as done (a retried move), any other existing `to`
 * is refused: nothing recorded is ever overwritten. On file systems without
 * hard links (some FUSE mounts) it checks, then renames.
 */
export async function moveByLink(from: string, to: string, syncDir: boolean): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      const [a, b] = await Promise.all([stat(from), stat(to)]);
      if (a.dev !== b.dev || a.ino !== b.ino) throw new Error(`refusing to overwrite ${to}`);
    } else if (code === "EPERM" || code === "ENOTSUP" || code === "EXDEV") {
      if (await stat(to).catch(() => undefined)) throw new Error(`refusing to overwrite ${to}`);
      await rename(from, to);
      if (syncDir) await fsyncDir(path.dirname(to));
      return;
    } else {
      throw err;
    }
  }
  if (syncDir) await fsyncDir(path.dirname(to));
  await unlink(from);
}

/** A file in one of `folders` that is the inode `dev`/`ino`, if any. */
async function sameInodeIn(
  folders: string[],
  dev: number,
  ino: number,
): Promise<string | undefined> {
  for (const folder of folders) {
    for (const entry of await listDir(folder)) {
      if (!entry.isFile()) continue;
      const p = path.join(folder, entry.name);
      const st = await stat(p).catch(() => undefined);
      if (st && st.dev === dev && st.ino === ino) return p;
    }
  }
  return undefined;
}
