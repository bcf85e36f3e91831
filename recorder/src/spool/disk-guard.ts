import { lstat, statfs, unlink } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import type { CompletedSegment } from "./completed-segment";
import { type HeldSegment, scanHeld } from "./held-segments";
import { folderBytes, listFiles, type SpoolFile, spooledChannels } from "./spool";
import { channelSpool } from "./spool-layout";
import { thumbnailSpool } from "./thumbnail-spool";

/** Segments of room kept free below the bounds (see DiskGuardOptions). */
export const HEADROOM_SEGMENTS = 2;

/**
 * Keeps the spool inside SPOOL_MAX_BYTES and the disk above
 * SPOOL_MIN_FREE_BYTES, so recording never stops for a full disk.
 *
 * Every check (each second, and whenever a segment completes) measures the
 * whole spool folder (queue, uploaded copies, ffmpeg's file in progress,
 * partial and quarantined files) and the free space, and keeps two segments of headroom
 * (HEADROOM_SEGMENTS × the largest segment seen): the file ffmpeg is
 * writing, and the next one, which ffmpeg starts the moment the last one
 * closes, while that one is still being verified, fsynced and moved before
 * the check it triggers can run. One segment of headroom was not enough on a
 * busy machine: the bound was crossed by what ffmpeg wrote in that moment.
 * Each file counts once however many names it has (by inode, as `du` does):
 * a segment in the middle of its move into `queue/` has two names for a
 * moment, and counting it twice would drop a segment for nothing. When a
 * bound would be crossed it deletes, in order:
 *
 * 0. `thumbnails/work/` links (a segment waiting for its thumbnail): the
 *    link holds the segment's bytes even once the segment itself is dropped
 *    or uploaded, so under pressure the thumbnail is given up first;
 * 1. `partial/` files (never uploaded, kept only for inspection), oldest first;
 * 2. `quarantine/` files (not decodable video, kept only for inspection), oldest first;
 * 3. `uploaded/` copies (already safe in S3), oldest first;
 * 4. `held/` segments (recorded while the clock was not trusted, the oldest
 *    data there is), oldest first: data loss, logged at error level;
 * 5. the oldest queued segments not being uploaded right now: data loss,
 *    each one logged at error level with its key, counted in metrics
 *    (`kiroku_segments_dropped_total`) and in the channel's status (`dropped`).
 *
 * Copies in `uploaded/` older than KEEP_UPLOADED_SECONDS are removed at each
 * check whatever the pressure.
 */
export interface DiskGuardOptions {
  spoolDir: string;
  maxBytes: number;
  /** Free space to leave on the spool's file system (0: no floor). */
  minFreeBytes: number;
  keepUploadedMs: number;
  /** The uploader's view of the queue: what may be dropped, and how. */
  queue: {
    waiting(): CompletedSegment[];
    drop(file: string, reason: string): Promise<boolean>;
    keyOf(seg: CompletedSegment): string;
  };
  log: Logger;
  clock?: () => number;
  /** Free bytes of the file system holding `dir` (injectable for tests). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Called for every deleted file. */
  onDelete?: (e: DeleteEvent) => void;
}

export interface DeleteEvent {
  kind: "partial" | "quarantined" | "uploaded-copy" | "held" | "queued";
  channel: string;
  file: string;
  bytes: number;
  /** The S3 key, for queued segments. */
  key?: string;
  reason: string;
}

export interface DiskUsage {
  spoolBytes: number;
  /** Null when the file system could not be asked. */
  freeBytes: number | null;
}

export class DiskGuard {
  private running: Promise<DiskUsage> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private largestSegment = 0;
  private last: DiskUsage = { spoolBytes: 0, freeBytes: null };
  private readonly clock: () => number;

  constructor(private readonly opts: DiskGuardOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  /** The latest measurement. */
  get usage(): DiskUsage {
    return { ...this.last };
  }

  /** Tells the guard a segment's size, so its headroom covers the next one. */
  noteSegment(bytes: number): void {
    this.largestSegment = Math.max(this.largestSegment, bytes);
  }

  /** Checks every `intervalMs` until `stop()`. */
  start(intervalMs = 1_000): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.check()
        .catch((err) => this.opts.log.error({ err: String(err) }, "disk guard check failed"))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /**
   * Stops checking, and resolves once the checks already asked for (the one
   * running and the one queued behind it) are done: whatever they drop is
   * counted before the daemon writes its last heartbeat. Checks asked for
   * after this return the last measurement.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running.catch(() => {});
  }

  /** Runs one check now (checks never overlap: a call during a check runs one more after it). */
  check(): Promise<DiskUsage> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.stopped) return Promise.resolve(this.usage);
    return this.run();
  }

  private run(): Promise<DiskUsage> {
    this.running = this.checkOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.run().catch((err) =>
          this.opts.log.error({ err: String(err) }, "disk guard check failed"),
        );
      }
    });
    return this.running;
  }

  private async checkOnce(): Promise<DiskUsage> {
    const { spoolDir, maxBytes, minFreeBytes } = this.opts;
    const channels = await spooledChannels(spoolDir);
    const copies: (SpoolFile & { channel: string })[] = [];
    const partials: (SpoolFile & { channel: string })[] = [];
    const held: HeldSegment[] = [];
    const quarantined: (SpoolFile & { channel: string })[] = [];
    const thumbnailLinks: (SpoolFile & { channel: string })[] = [];
    for (const channel of channels) {
      const spool = channelSpool(spoolDir, channel);
      for (const f of await listFiles(thumbnailSpool(spoolDir, channel).work))
        thumbnailLinks.push({ ...f, channel });
      held.push(...(await scanHeld(spool, channel)));
      for (const f of await listFiles(spool.uploaded)) copies.push({ ...f, channel });
      for (const f of await listFiles(spool.partial)) partials.push({ ...f, channel });
      for (const f of await listFiles(spool.quarantine)) quarantined.push({ ...f, channel });
    }
    // Expired copies go whatever the pressure.
    const now = this.clock();
    for (const f of copies.filter((c) => now - c.mtimeMs >= this.opts.keepUploadedMs)) {
      await unlink(f.path).catch(() => {});
      f.bytes = -1;
    }
    let spoolBytes = await folderBytes(spoolDir);
    let freeBytes = await this.free();
    const headroom = HEADROOM_SEGMENTS * this.largestSegment;
    const need = () =>
      Math.max(
        spoolBytes + headroom - maxBytes,
        minFreeBytes > 0 && freeBytes !== null ? minFreeBytes + headroom - freeBytes : 0,
      );
    if (need() <= 0) {
      this.last = { spoolBytes, freeBytes };
      return this.usage;
    }
    const reason = () =>
      spoolBytes + headroom > maxBytes
        ? `spool would exceed SPOOL_MAX_BYTES (${spoolBytes} bytes + ${headroom} headroom > ${maxBytes})`
        : `free disk would fall below SPOOL_MIN_FREE_BYTES (${freeBytes} free, floor ${minFreeBytes} + ${headroom} headroom)`;
    const removed = (bytes: number) => {
      spoolBytes -= bytes;
      if (freeBytes !== null) freeBytes += bytes;
    };
    /** Unlinks one name and counts what that gives back; false when it was already gone. */
    const remove = async (file: string): Promise<boolean> => {
      const freed = await bytesFreedByRemoving(file);
      try {
        await unlink(file);
      } catch {
        return false;
      }
      removed(freed);
      return true;
    };
    const byAge = (a: SpoolFile, b: SpoolFile) => a.mtimeMs - b.mtimeMs;
    for (const f of thumbnailLinks.sort(byAge)) {
      if (need() <= 0) break;
      const why = reason();
      if (!(await remove(f.path))) continue;
      this.opts.log.warn(
        { channel: f.channel, file: path.basename(f.path), reason: why },
        "gave up a segment's thumbnail to keep the disk from filling",
      );
    }
    for (const [kind, files] of [
      ["partial", partials.sort(byAge)],
      ["quarantined", quarantined.sort(byAge)],
      ["uploaded-copy", copies.filter((c) => c.bytes >= 0).sort(byAge)],
    ] as const) {
      for (const f of files) {
        if (need() <= 0) break;
        const why = reason();
        if (!(await remove(f.path))) continue;
        this.opts.log.warn(
          { channel: f.channel, file: path.basename(f.path), bytes: f.bytes, reason: why },
          kind === "partial"
            ? "deleted a partial file to keep the disk from filling"
            : kind === "quarantined"
              ? "deleted a quarantined file to keep the disk from filling"
              : "deleted an uploaded copy (it is safe in S3) to keep the disk from filling",
        );
        this.opts.onDelete?.({
          kind,
          channel: f.channel,
          file: f.path,
          bytes: f.bytes,
          reason: why,
        });
      }
    }
    for (const seg of held) {
      if (need() <= 0) break;
      const why = reason();
      if (!(await remove(seg.path))) continue;
      this.opts.log.error(
        { channel: seg.channel, file: path.basename(seg.path), bytes: seg.bytes, reason: why },
        "segment held for a trusted clock dropped before upload: it will not be in the bucket",
      );
      this.opts.onDelete?.({
        kind: "held",
        channel: seg.channel,
        file: seg.path,
        bytes: seg.bytes,
        reason: why,
      });
    }
    for (const seg of this.opts.queue.waiting()) {
      if (need() <= 0) break;
      const why = reason();
      const freed = await bytesFreedByRemoving(seg.path);
      if (!(await this.opts.queue.drop(seg.path, why))) continue;
      removed(freed);
      this.opts.onDelete?.({
        kind: "queued",
        channel: seg.channel,
        file: seg.path,
        bytes: seg.bytes,
        key: this.opts.queue.keyOf(seg),
        reason: why,
      });
    }
    if (need() > 0) {
      this.opts.log.error(
        { spoolBytes, freeBytes, maxBytes, minFreeBytes },
        "the spool is still over its bounds with nothing left to drop (segments in flight or the disk is used by others)",
      );
    }
    // Measure again: the figures above are estimates.
    spoolBytes = await folderBytes(spoolDir);
    freeBytes = await this.free();
    this.last = { spoolBytes, freeBytes };
    return this.usage;
  }

  private async free(): Promise<number | null> {
    try {
      if (this.opts.freeBytes) return await this.opts.freeBytes(this.opts.spoolDir);
      const s = await statfs(this.opts.spoolDir);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  }
}

/**
 * What removing one name of a file gives back: its size when it is the last
 * name, nothing while another name holds the same inode (a segment in the
 * middle of its move into `queue/`). Counting it freed would let the guard
 * stop one file short; counting it twice in the usage (per name, not per
 * inode) made it drop two segments where one was enough.
 */
async function bytesFreedByRemoving(file: string): Promise<number> {
  const st = await lstat(file).catch(() => undefined);
  if (!st) return 0;
  return st.nlink > 1 ? 0 : st.size;
}
