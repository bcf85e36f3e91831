import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "@kiroku/shared";

/**
 * Writes small JSON objects (heartbeats, run records) to the bucket on the
 * side, so they never block or delay segment uploads and survive outages
 * without piling up:
 * - latest wins: a newer body for a key replaces one not yet written, so an
 *   outage leaves at most one pending body per key (a heartbeat per channel,
 *   a record per run), never thousands;
 * - one write at a time, each bounded by `timeoutMs`; a failed pass is
 *   retried after `retryMs` (or at the next `put`);
 * - at most `maxPending` keys wait; past that the oldest are forgotten.
 */
export class MetaWriter {
  private readonly pending = new Map<string, Pending>();
  private flushing: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failing = false;

  constructor(
    private readonly opts: {
      s3: S3Client;
      bucket: string;
      log: Logger;
      timeoutMs?: number;
      retryMs?: number;
      maxPending?: number;
    },
  ) {}

  /**
   * Queues `body` (JSON-serialised) for `key`, replacing any unwritten body
   * for it. `onWritten` runs once this body, or a newer one for the same key,
   * is in the bucket (never if it is forgotten or the writer closes first):
   * callers that keep a local copy until the bucket has it delete it then.
   */
  put(key: string, body: unknown, onWritten?: () => void): void {
    const replaced = this.pending.get(key);
    this.pending.delete(key);
    const callbacks = [...(replaced?.callbacks ?? []), ...(onWritten ? [onWritten] : [])];
    this.pending.set(key, { text: `${JSON.stringify(body, null, 2)}\n`, callbacks });
    const max = this.opts.maxPending ?? 200;
    while (this.pending.size > max) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.opts.log.warn(
        { key: oldest },
        "metadata write forgotten: too many waiting during an outage",
      );
    }
    if (!this.closed) void this.flush();
  }

  /** Keys still waiting to be written. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Writes everything waiting (one pass; a pass already running is followed by another). */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = this.pass().finally(() => {
      this.flushing = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  /** Last chance at exit: one pass bounded by `timeoutMs`, then no more writes. */
  async close(timeoutMs = 3_000): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.again = false;
    await Promise.race([
      (async () => {
        await this.flushing;
        await this.pass();
      })(),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
    this.closed = true;
  }

  private async pass(): Promise<void> {
    for (const [key, entry] of [...this.pending]) {
      try {
        await this.opts.s3.send(
          new PutObjectCommand({
            Bucket: this.opts.bucket,
            Key: key,
            Body: entry.text,
            ContentType: "application/json",
            CacheControl: "no-cache",
          }),
          { abortSignal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000) },
        );
        // Only forget it if nothing newer arrived meanwhile (the newer one carries the callbacks).
        if (this.pending.get(key) === entry) {
          this.pending.delete(key);
          for (const cb of entry.callbacks) {
            try {
              cb();
            } catch (err) {
              this.opts.log.error({ key, err: String(err) }, "metadata write callback failed");
            }
          }
        }
        if (this.failing) {
          this.failing = false;
          this.opts.log.info("status and history writes are going through again");
        }
      } catch (err) {
        if (!this.failing) {
          this.failing = true;
          this.opts.log.warn(
            { key, err: (err as Error).name ?? String(err) },
            "status/history write failed; the latest state will be written when the store answers",
          );
        }
        this.scheduleRetry();
        return;
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, this.opts.retryMs ?? 5_000);
    this.retryTimer.unref();
  }
}

interface Pending {
  text: string;
  callbacks: (() => void)[];
}
