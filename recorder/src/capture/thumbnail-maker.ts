import { spawn } from "node:child_process";
import { linkSync, mkdirSync } from "node:fs";
import { mkdir, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import type { CompletedSegment } from "../spool/completed-segment";
import { fsyncDir, fsyncFile } from "../spool/durable-write";
import { thumbnailSpool } from "../spool/thumbnail-spool";
import { readFirstKeyframe } from "./first-keyframe";
import { KeyframeDecoder } from "./keyframe-decoder";
import { thumbnailArgs } from "./thumbnail-args";

export interface ThumbnailMakerOptions {
  spoolDir: string;
  /** THUMBNAIL_WIDTH. */
  width: number;
  log: Logger;
  /** A thumbnail is in its spool queue, durably (`file` is its path). */
  onReady: (channel: string, file: string) => void;
  ffmpegPath?: string;
}

/** How long one extraction may take before it is given up (a stuck ffmpeg must not hold the rest). */
const EXTRACT_TIMEOUT_MS = 20_000;

/**
 * Segments of a channel linked and waiting for their thumbnail, at most.
 * Each link holds a whole segment on the disk (its bytes stay while any
 * name is left, even once the segment is uploaded or dropped): a machine
 * too busy to keep up skips thumbnails rather than pinning segments the
 * disk guard believes it freed.
 */
export const MAX_PENDING_PER_CHANNEL = 2;

/**
 * Makes one small JPEG of each completed segment's first keyframe.
 *
 * `take` runs inside the "segment complete" hand-over, before the segment
 * goes to the uploader: it only hard-links the queue file into
 * `thumbnails/work/` (a directory entry, no copy), so the uploader is free
 * to delete its own entry at any time. Extractions then run one at a time
 * (ffmpeg decoding a single frame, see thumbnail-args.ts); each JPEG is
 * written beside its final name, fsynced and renamed into
 * `thumbnails/queue/`, and only then is the link removed. A crash leaves
 * either the link (extracted again at start) or the JPEG (uploaded at
 * start): no thumbnail is lost, none is written twice under one name.
 * A segment whose keyframe does not decode gets no thumbnail (logged).
 */
export class ThumbnailMaker {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly pending = new Map<string, number>();
  /** Extractions done (for the bench and metrics). */
  made = 0;
  failed = 0;
  /** Segments given no thumbnail because extraction was behind (MAX_PENDING_PER_CHANNEL). */
  skipped = 0;
  private readonly decoder: KeyframeDecoder;

  constructor(private readonly opts: ThumbnailMakerOptions) {
    this.decoder = new KeyframeDecoder(opts.width, opts.ffmpegPath, EXTRACT_TIMEOUT_MS);
  }

  /** Links a completed segment for extraction; synchronous, so it happens before the uploader sees it. */
  take(seg: CompletedSegment): void {
    if (this.stopped) return;
    if ((this.pending.get(seg.channel) ?? 0) >= MAX_PENDING_PER_CHANNEL) {
      this.skipped++;
      this.opts.log.warn(
        { channel: seg.channel, segment: path.basename(seg.path) },
        "no thumbnail for this segment: extraction is behind (the machine is busy)",
      );
      return;
    }
    const spool = thumbnailSpool(this.opts.spoolDir, seg.channel);
    const link = path.join(spool.work, path.basename(seg.path));
    try {
      mkdirSync(spool.work, { recursive: true });
      linkSync(seg.path, link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        this.opts.log.warn(
          { err: String(err), channel: seg.channel, segment: seg.path },
          "no thumbnail for this segment: it could not be linked for extraction",
        );
        return;
      }
    }
    this.enqueue(seg.channel, link);
  }

  /** Extracts what a previous run linked but did not finish, and hands on JPEGs it left queued. */
  async resume(channels: readonly string[]): Promise<void> {
    for (const channel of channels) {
      const spool = thumbnailSpool(this.opts.spoolDir, channel);
      for (const name of await listOrEmpty(spool.work)) {
        if (name.endsWith(".ts")) this.enqueue(channel, path.join(spool.work, name));
      }
      for (const name of await listOrEmpty(spool.queue)) {
        if (name.endsWith(".jpg")) this.opts.onReady(channel, path.join(spool.queue, name));
      }
    }
  }

  /**
   * Takes no more segments and finishes the extractions already asked for
   * (a fraction of a second each: the last segments ffmpeg finalized at
   * shutdown get theirs). A crash instead leaves their links for the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
    await this.decoder.close();
  }

  private enqueue(channel: string, link: string): void {
    this.pending.set(channel, (this.pending.get(channel) ?? 0) + 1);
    this.chain = this.chain.then(async () => {
      try {
        // The disk guard removes waiting links first when the disk fills.
        if (!(await stat(link).catch(() => undefined))) return;
        await this.extract(channel, link).catch((err) => {
          this.failed++;
          this.opts.log.warn(
            { err: String(err), channel, segment: path.basename(link) },
            "no thumbnail for this segment: its first keyframe did not decode",
          );
        });
        await unlink(link).catch(() => {});
      } finally {
        this.pending.set(channel, (this.pending.get(channel) ?? 1) - 1);
      }
    });
  }

  private async extract(channel: string, link: string): Promise<void> {
    const spool = thumbnailSpool(this.opts.spoolDir, channel);
    await mkdir(spool.queue, { recursive: true });
    const name = `${path.basename(link, ".ts")}.jpg`;
    const final = path.join(spool.queue, name);
    const tmp = path.join(spool.queue, `.${name}.tmp`);
    const jpeg = await this.fromKeyframe(link);
    if (jpeg) {
      await writeFile(tmp, jpeg);
    } else {
      await runFfmpeg(this.opts.ffmpegPath ?? "ffmpeg", thumbnailArgs(link, tmp, this.opts.width));
    }
    if ((await stat(tmp)).size === 0) throw new Error("ffmpeg wrote an empty JPEG");
    await fsyncFile(tmp);
    await rename(tmp, final);
    await fsyncDir(spool.queue);
    this.made++;
    this.opts.onReady(channel, final);
  }

  /**
   * The JPEG from the segment's first H.264 keyframe through the
   * long-lived decoder (keyframe-decoder.ts), or undefined when the segment
   * does not open on one or the decoder fails: ffmpeg then reads the file
   * (thumbnail-args.ts), as it did for every segment before.
   */
  private async fromKeyframe(link: string): Promise<Uint8Array | undefined> {
    const keyframe = await readFirstKeyframe(link).catch(() => undefined);
    if (!keyframe) return undefined;
    return this.decoder.decode(keyframe).catch((err) => {
      this.opts.log.warn(
        { err: String(err), segment: path.basename(link) },
        "the thumbnail decoder failed; ffmpeg reads this segment instead",
      );
      return undefined;
    });
  }
}

async function listOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

function runFfmpeg(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 2000) err += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), EXTRACT_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code ?? signal}: ${err.trim()}`));
    });
  });
}
