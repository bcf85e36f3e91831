import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { backoffDelay, type Logger, thumbnailKey } from "@kiroku/shared";
import { parseQueueFileName } from "../spool/spool-layout";

export interface ThumbnailUploaderOptions {
  s3: S3Client;
  bucket: string;
  movieKey: string;
  log: Logger;
  /** Longest pause between attempts while the store fails (ms). Default 60 s. */
  maxRetryMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Drains the thumbnails' spool queue into the bucket, one PUT at a time
 * (with Content-MD5, like segments), oldest first, deleting each file only
 * after S3 confirmed it. A failure pauses the queue with a capped backoff
 * and retries the same file: nothing is given up, and thumbnails never
 * compete with segments for more than one connection. The key comes from
 * the file name alone (`thumbnailKey`, under `{S3_MOVIE_KEY}/_thumbs/`).
 */
export class ThumbnailUploader {
  private readonly pending: { channel: string; file: string }[] = [];
  private readonly known = new Set<string>();
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  uploaded = 0;
  failures = 0;

  constructor(private readonly opts: ThumbnailUploaderOptions) {}

  /** A thumbnail file is durably in a channel's queue. */
  add(channel: string, file: string): void {
    if (this.abort.signal.aborted || this.known.has(file)) return;
    this.known.add(file);
    this.pending.push({ channel, file });
    this.pending.sort((a, b) => path.basename(a.file).localeCompare(path.basename(b.file)));
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Thumbnails waiting. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Gives the queue `graceMs` to empty, then stops; what is left stays in the spool for the next start. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) {
      await Promise.race([this.running, new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    this.abort.abort();
    await this.running?.catch(() => {});
  }

  private async drain(): Promise<void> {
    let attempt = 0;
    while (this.pending.length > 0 && !this.abort.signal.aborted) {
      const next = this.pending[0]!;
      try {
        await this.upload(next.channel, next.file);
        this.pending.shift();
        this.known.delete(next.file);
        this.uploaded++;
        attempt = 0;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.failures++;
        attempt++;
        const delay = backoffDelay(attempt - 1, {
          initialMs: 1_000,
          factor: 2,
          maxMs: this.opts.maxRetryMs ?? 60_000,
          jitter: 0.2,
        });
        this.opts.log.warn(
          {
            err: String(err),
            channel: next.channel,
            file: path.basename(next.file),
            retryInMs: delay,
          },
          "thumbnail upload failed; retrying",
        );
        await (this.opts.sleep ?? sleep)(delay, this.abort.signal);
      }
    }
  }

  private async upload(channel: string, file: string): Promise<void> {
    const seg = parseQueueFileName(channel, `${path.basename(file, ".jpg")}.ts`);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // uploaded before a crash, then removed
      throw err;
    }
    if (!seg) {
      this.opts.log.warn({ channel, file }, "not a thumbnail of a segment; left in the spool");
      return;
    }
    await this.opts.s3.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: thumbnailKey(this.opts.movieKey, seg),
        Body: body,
        ContentType: "image/jpeg",
        ContentMD5: createHash("md5").update(body).digest("base64"),
        // A thumbnail's key names its segment, whose first keyframe never changes.
        CacheControl: "public, max-age=31536000, immutable",
      }),
      { abortSignal: this.abort.signal },
    );
    await unlink(file).catch(() => {});
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
