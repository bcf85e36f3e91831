import { readdir, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import { watch as chokidarWatch, type FSWatcher } from "chokidar";
import { exists, moveToPartial } from "../spool/file-moves";
import {
  QUEUE_JOURNAL_NAME,
  type QueuedRecord,
  type RecoveredQueued,
  readQueueJournal,
  recoverQueued,
} from "../spool/queue-handover";
import type { ChannelSpool } from "../spool/spool-layout";
import { SEGMENT_LIST_NAME } from "./ffmpeg-args";
import { FFMPEG_PID_NAME } from "./leftover-ffmpeg";
import { type SegmentListEntry, SegmentListReader } from "./segment-list";

/**
 * The folder one ffmpeg attempt writes into, `incoming/a{attempt}/`, and how
 * its segments are found complete.
 *
 * A segment is complete when ffmpeg has listed it in `segments.csv` AND the
 * file is closed: ffmpeg writes the csv line just before closing the file and
 * opens the next segment right after, so "listed, and the next file exists
 * (or ffmpeg has exited)" means closed. A file that merely exists is never
 * complete. The csv is watched with chokidar (inotify) and also polled, so a
 * missed event only delays a segment by one poll interval.
 *
 * When the attempt ends (`finish()`), every listed file still in the folder is
 * completed, and every file ffmpeg never listed (killed with SIGKILL, power
 * loss) goes to `partial/` for inspection: logged, never uploaded. The same
 * `finish()` recovers attempt folders left behind by a crash at start-up.
 *
 * A listed file may have reached `queue/` already before a crash (the move
 * is a link, then an unlink, spool/queue-handover.ts): `recognise()` tells,
 * so it is never completed (and keyed) a second time.
 */
export interface ClosedSegmentFile {
  entry: SegmentListEntry;
  /** Absolute path, still inside the attempt folder. */
  file: string;
  /** The file's modification time: when ffmpeg wrote its last byte (wall clock, ms). */
  closedAtMs: number;
  bytes: number;
}

export interface AttemptOutputOptions {
  /** Moves the file out of the folder (into the queue). A throw leaves the file for recovery. */
  onClosed: (closed: ClosedSegmentFile) => Promise<void>;
  log: Logger;
  /** Polling fallback interval. */
  pollMs?: number;
  /** Watch with chokidar (off for recovery of dead folders). */
  watch?: boolean;
}

/** `incoming/a17`: the folder of attempt 17. */
export function attemptFolder(spool: ChannelSpool, attempt: number): string {
  return path.join(spool.incoming, `a${attempt}`);
}

export class AttemptOutput {
  private readonly reader: SegmentListReader;
  private readonly pending: SegmentListEntry[] = [];
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private exited = false;
  private chain: Promise<void> = Promise.resolve();
  private closedCount = 0;
  private journal: Map<string, QueuedRecord> | undefined;

  constructor(
    readonly dir: string,
    private readonly spool: ChannelSpool,
    private readonly opts: AttemptOutputOptions,
  ) {
    this.reader = new SegmentListReader(path.join(dir, SEGMENT_LIST_NAME));
  }

  /** Segments handed over so far. */
  get closed(): number {
    return this.closedCount;
  }

  /**
   * Whether a listed file was queued before a crash (same inode as a queue
   * file, or named in the folder's queue journal). Returns what was done, or
   * undefined for a file to complete as usual. A file whose bytes changed
   * since it was queued is moved to `partial/` here.
   */
  async recognise(file: string): Promise<RecoveredQueued | undefined> {
    this.journal ??= await readQueueJournal(this.dir);
    const found = await recoverQueued(file, this.spool, this.journal);
    switch (found.kind) {
      case "new":
        return undefined;
      case "already-queued":
        this.opts.log.info(
          { file, queued: path.basename(found.path) },
          "segment was already queued before the restart; not queued again",
        );
        return found;
      case "requeued":
        this.opts.log.warn(
          { file, queued: found.record.queueName },
          "segment queued before the restart was missing from the queue; queued again under the same key",
        );
        return found;
      case "changed": {
        const target = await moveToPartial(
          this.spool,
          `${path.basename(this.dir)}_${path.basename(file)}`,
          file,
        );
        this.opts.log.error(
          { file: target, queued: found.record.queueName },
          "segment changed on disk after it was queued; kept in partial/ and not uploaded again",
        );
        return found;
      }
    }
  }

  /** Starts watching the csv list for new lines. */
  start(): void {
    if (this.opts.watch !== false) {
      this.watcher = chokidarWatch(this.reader.file, { ignoreInitial: false, persistent: true });
      this.watcher.on("all", () => this.kick());
      this.watcher.on("error", (err) =>
        this.opts.log.warn({ err: String(err) }, "segment list watcher failed; polling only"),
      );
    }
    this.poll = setInterval(() => this.kick(), this.opts.pollMs ?? 1_000);
    this.poll.unref();
  }

  /** Looks for newly closed segments now (serialized with every other scan). */
  kick(): Promise<void> {
    this.chain = this.chain
      .then(() => this.scan())
      .catch((err) => {
        this.opts.log.error({ err: String(err), dir: this.dir }, "segment scan failed");
      });
    return this.chain;
  }

  /**
   * ffmpeg has exited: hand over every listed file, move never-listed files to
   * `partial/`, remove the folder. Returns the names moved to partial.
   */
  async finish(): Promise<string[]> {
    this.exited = true;
    if (this.poll) clearInterval(this.poll);
    if (this.retry) clearTimeout(this.retry);
    await this.watcher?.close();
    this.watcher = undefined;
    await this.kick();
    const partial: string[] = [];
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return partial;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      // ffmpeg's list, the pid file, the queue journal (every listed file is handed over by
      // now) and temp files of a durable write the crash interrupted.
      if (
        name === SEGMENT_LIST_NAME ||
        name === FFMPEG_PID_NAME ||
        name === QUEUE_JOURNAL_NAME ||
        (name.startsWith(".") && name.endsWith(".tmp"))
      ) {
        await unlink(file).catch(() => {});
        continue;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (info.size === 0) {
        await unlink(file).catch(() => {});
        continue;
      }
      const target = await moveToPartial(this.spool, `${path.basename(this.dir)}_${name}`, file);
      partial.push(target);
      this.opts.log.warn(
        { file: target, bytes: info.size },
        "ffmpeg never listed this file as closed; kept in partial/ and not uploaded",
      );
    }
    await rmdir(this.dir).catch(() => {});
    return partial;
  }

  private kickSoon(): void {
    if (this.retry || this.exited) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.kick();
    }, 50);
    this.retry.unref();
  }

  private async scan(): Promise<void> {
    this.pending.push(...(await this.reader.readNew()));
    while (this.pending.length > 0) {
      const entry = this.pending[0]!;
      const file = path.join(this.dir, path.basename(entry.name));
      if (!this.exited && !(await exists(path.join(this.dir, nextName(entry.name))))) {
        // Listed but perhaps not closed yet: look again in a moment.
        this.kickSoon();
        return;
      }
      this.pending.shift();
      const info = await stat(file).catch(() => undefined);
      if (!info) continue; // already moved (recovery after a crash between move and restart)
      try {
        await this.opts.onClosed({ entry, file, closedAtMs: info.mtimeMs, bytes: info.size });
        this.closedCount++;
      } catch (err) {
        this.opts.log.error(
          { err: String(err), file },
          "could not hand over a closed segment; it stays for recovery at the next start",
        );
      }
    }
  }
}

/** `seg000007.ts` → `seg000008.ts` (the file ffmpeg opens right after closing this one). */
export function nextName(name: string): string {
  const m = /^(.*?)(\d+)(\.[a-z0-9]+)$/i.exec(path.basename(name));
  if (!m) return `${name}.next`;
  const n = String(Number(m[2]) + 1).padStart(m[2]!.length, "0");
  return `${m[1]}${n}${m[3]}`;
}
