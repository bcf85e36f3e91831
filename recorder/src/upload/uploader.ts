import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, unlink, utimes } from "node:fs/promises";
import path from "node:path";
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  formatTime,
  type Logger,
  parseSegmentKey,
  type SegmentRef,
  segmentKey,
  timeBound,
} from "@kiroku/shared";
import { type CompletedSegment, oldestFirst } from "../spool/completed-segment";
import { moveToPartial } from "../spool/file-moves";
import { scanQueue, spooledChannels } from "../spool/spool";
import { channelSpool } from "../spool/spool-layout";
import {
  checkMultipartListing,
  isMultipartListingUnsupported,
  MULTIPART_UNSUPPORTED_MESSAGE,
} from "./multipart-support";
import {
  classifyUploadError,
  retryDelayMs,
  type UploadFailure,
  type UploadRetryPolicy,
} from "./upload-retry";
import { nextWakeAt, planStarts, type Schedulable, type ScheduleState } from "./upload-schedule";

/**
 * The durable uploader: every segment handed over (or found in a spool
 * queue at start) reaches S3 exactly once under its schema key, and its
 * spool file is removed (or moved to `uploaded/` for KEEP_UPLOADED_SECONDS)
 * only after S3 confirmed it.
 *
 * - Integrity: a segment that fits in one part (the usual case) is one PUT
 *   with Content-MD5 computed from the very bytes sent, so the store rejects
 *   a corrupted body (BadDigest). Larger ones go multipart through
 *   lib-storage, each part signed with its SHA-256 (and CRC32 on AWS); a
 *   failed multipart upload is aborted (`leavePartsOnError: false`), and
 *   multipart uploads a crash left open are aborted at start.
 * - Idempotent: the key and bytes come from the queue file alone, so a retry
 *   or a re-upload after a crash rewrites the same key with the same bytes.
 *   A segment found in the queue at start-up is first looked for in the
 *   bucket (one listing of the keys that start at its millisecond): if S3
 *   stored it before the crash, under this key or under the one it had before
 *   the start-up check re-keyed a torn copy, it is not uploaded again.
 * - Scheduling ("live stays fresh", upload-schedule.ts): slot 1 always
 *   takes the newest segment (last in, first out), the other
 *   `concurrency - 1` slots drain the backlog oldest first. With concurrency
 *   1 the single slot is the live slot: newest first, the backlog drains
 *   newest to oldest between new segments.
 * - Failures (upload-retry.ts): while the store fails as a whole (network,
 *   5xx, throttling), all uploads pause and one probe (the newest segment)
 *   goes out per backoff step, capped at half a segment; wrong credentials
 *   or bucket put the uploader in `error` and it probes at a slow fixed
 *   rate; a segment the store refuses on its own waits with its own backoff.
 *   Nothing is ever given up: a segment leaves the spool only by upload or by
 *   the disk guard.
 * - Time floor (`minStartMs`): a segment whose key starts before the floor
 *   was keyed by a clock that was certainly wrong (a queue left by an older
 *   recorder on a Pi that booted at 1970). It is never uploaded: it goes to
 *   `partial/`, logged at error level. Capture keys segments only with a
 *   trusted clock (clock/clock-trust.ts), so this is the last line.
 */
export interface UploaderOptions {
  s3: S3Client;
  bucket: string;
  movieKey: string;
  spoolDir: string;
  /** Uploads in flight at once (UPLOAD_CONCURRENCY). */
  concurrency: number;
  /** Segments larger than this go multipart (at least 5 MiB, S3's minimum part). */
  partSize: number;
  /** Keep a confirmed segment in `uploaded/` this long (0: delete at once). */
  keepUploadedMs: number;
  retry: UploadRetryPolicy;
  recorderVersion: string;
  log: Logger;
  /** Segments keyed before this (epoch ms) are never uploaded (see above). */
  minStartMs?: number;
  clock?: () => number;
  random?: () => number;
}

/** `ok`: uploads go through; `retrying`: the store is failing, probing with backoff; `error`: needs an operator. */
export type UploaderHealth = "ok" | "retrying" | "error";

export interface UploadedEvent {
  segment: CompletedSegment;
  key: string;
  /** Handed over (or found at start) → confirmed in S3: the "segment complete → object visible" latency. */
  latencyMs: number;
  /** Duration of the successful attempt alone. */
  requestMs: number;
  attempts: number;
  multipart: boolean;
}

export interface UploadFailedEvent {
  segment: CompletedSegment;
  key: string;
  failure: UploadFailure;
  attempts: number;
  /** When the next attempt (of this segment, or a probe) may go out. */
  retryInMs: number;
}

export interface DroppedEvent {
  segment: CompletedSegment;
  key: string;
  reason: string;
}

export interface HealthEvent {
  health: UploaderHealth;
  /** When the health last changed (epoch ms). */
  sinceMs: number;
  lastError?: UploadFailure & { atMs: number };
}

export interface UploaderEvents {
  uploaded: [UploadedEvent];
  failed: [UploadFailedEvent];
  dropped: [DroppedEvent];
  health: [HealthEvent];
}

/** Queue depth of a channel (segments waiting, including those being uploaded). */
export interface QueueStats {
  segments: number;
  bytes: number;
  /**
   * Start of the oldest segment waiting (epoch ms), absent when none: the
   * API keeps a playlist reaching past it out of its "final" cache.
   */
  oldestStartMs?: number;
}

/** S3's smallest part size: lib-storage refuses anything smaller. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

interface Item extends Schedulable {
  seg: CompletedSegment;
  key: string;
  /** Arrival order: the live slot takes the highest. */
  arrival: number;
  startMs: number;
  seq: number;
  enqueuedAtMs: number;
  attempts: number;
  notBeforeMs: number;
  inFlight?: { upload?: Upload; live: boolean };
  /**
   * Found in the queue at start-up and not yet looked for in the bucket: a
   * power cut may have fallen after S3 stored it and before its file was
   * removed (and the start-up check may have re-keyed a torn copy since).
   */
  resumed?: boolean;
}

export class Uploader extends EventEmitter<UploaderEvents> {
  private readonly pending = new Map<string, Item>();
  private readonly stats = new Map<string, QueueStats>();
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private arrivals = 0;
  private active = 0;
  private liveBusy = false;
  private blockedUntilMs = 0;
  private storeFailures = 0;
  private healthState: HealthEvent;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private stopping = false;
  private sweepNeeded = false;
  private sweeping = false;
  private readonly settled = new Set<() => void>();
  /** Set while the start-up sweep of multipart uploads runs: uploads wait for it. */
  private holdUploads = false;
  private leftoversSwept: Promise<void> = Promise.resolve();

  constructor(private readonly opts: UploaderOptions) {
    super();
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw new RangeError(
        `upload concurrency must be a whole number ≥ 1, got ${opts.concurrency}`,
      );
    }
    if (opts.partSize < MIN_PART_SIZE) {
      throw new RangeError(`upload part size must be at least 5 MiB, got ${opts.partSize}`);
    }
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.log = opts.log;
    this.healthState = { health: "ok", sinceMs: this.clock() };
  }

  /** Current health, with the last failure. */
  get health(): HealthEvent {
    return { ...this.healthState };
  }

  /** Queue depth of one channel, with its oldest segment's start. */
  queueStats(channel: string): QueueStats {
    const stats = this.stats.get(channel) ?? { segments: 0, bytes: 0 };
    let oldest = Number.POSITIVE_INFINITY;
    for (const item of this.pending.values()) {
      if (item.seg.channel === channel && item.startMs < oldest) oldest = item.startMs;
    }
    return {
      segments: stats.segments,
      bytes: stats.bytes,
      ...(oldest < Number.POSITIVE_INFINITY ? { oldestStartMs: oldest } : {}),
    };
  }

  /** Queue depth over all channels. */
  totalStats(): QueueStats {
    let segments = 0;
    let bytes = 0;
    for (const s of this.stats.values()) {
      segments += s.segments;
      bytes += s.bytes;
    }
    return { segments, bytes };
  }

  /** Channels that have (or had) segments in the queue. */
  channels(): string[] {
    return [...this.stats.keys()];
  }

  /** The S3 key of a segment. */
  keyOf(seg: SegmentRef): string {
    return segmentKey(this.opts.movieKey, seg);
  }

  /** Hands over a complete segment whose file is in its channel's `queue/`. Re-adding a known file is a no-op. */
  enqueue(seg: CompletedSegment): void {
    if (this.add(seg)) this.pump();
  }

  private add(seg: CompletedSegment, resumed = false): boolean {
    if (this.pending.has(seg.path)) return false;
    if (this.opts.minStartMs !== undefined && seg.startMs < this.opts.minStartMs) {
      void this.refuseEarly(seg);
      return false;
    }
    const item: Item = {
      seg,
      key: this.keyOf(seg),
      arrival: ++this.arrivals,
      startMs: seg.startMs,
      seq: seg.seq,
      enqueuedAtMs: this.clock(),
      attempts: 0,
      notBeforeMs: 0,
      ...(resumed ? { resumed } : {}),
    };
    this.pending.set(seg.path, item);
    this.count(seg, +1);
    return true;
  }

  /**
   * Start-up: `resumeQueue()`, resolving once the multipart uploads a
   * previous process left open are aborted too (or the store did not answer).
   * Returns how many segments were queued.
   */
  async resume(): Promise<number> {
    const n = await this.resumeQueue();
    await this.leftoversSwept;
    return n;
  }

  /** Aborts multipart uploads a previous process left open; when the store does not answer, after the first successful upload. Never throws. */
  private async sweepLeftovers(): Promise<void> {
    await this.sweepMultipartUploads().catch((err) => {
      if (this.unsupportedSweep(err)) return;
      this.sweepNeeded = true;
      this.log.warn(
        { err: classifyUploadError(err).message },
        "could not list open multipart uploads yet; will clean them up once the store answers",
      );
    });
  }

  /** A store without ListMultipartUploads: said once, and never asked again. */
  private unsupportedSweep(err: unknown): boolean {
    if (!isMultipartListingUnsupported(err)) return false;
    this.sweepNeeded = false;
    this.log.warn({ err: classifyUploadError(err).message }, MULTIPART_UNSUPPORTED_MESSAGE);
    return true;
  }

  /**
   * Start-up without waiting for S3 (the daemon's cameras do not): queues
   * every segment found in every channel's `queue/` (local), oldest first,
   * so the newest of them is the first to go, and starts aborting the
   * multipart uploads a previous process left open. Uploads begin once that
   * sweep is done or has failed, so it can never take an upload of this
   * process for one left open. Resolves once the queue is scanned, with how
   * many segments were queued.
   */
  async resumeQueue(): Promise<number> {
    this.holdUploads = true;
    this.leftoversSwept = this.sweepLeftovers().finally(() => {
      this.holdUploads = false;
      this.pump();
    });
    let n = 0;
    for (const channel of await spooledChannels(this.opts.spoolDir)) {
      const { segments } = await scanQueue(this.opts.spoolDir, channel, this.log);
      // Added all at once, then one pump: the live slot starts with the newest.
      for (const seg of segments) if (this.add(seg, true)) n++;
      if (segments.length > 0)
        this.log.info(
          { channel, segments: segments.length },
          "resuming uploads left in the spool queue",
        );
    }
    this.pump();
    return n;
  }

  /**
   * Aborts open multipart uploads of segment keys under S3_MOVIE_KEY that are
   * not in flight here: only a crashed recorder leaves them (a failed attempt
   * aborts its own). One recorder per channel is assumed. Returns how many.
   */
  async sweepMultipartUploads(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      // Read at each abort: uploads may start while the sweep lists (it runs beside them).
      const inFlight = () =>
        new Set([...this.pending.values()].filter((i) => i.inFlight).map((i) => i.key));
      let aborted = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (let page = 0; page < 100; page++) {
        const res = await this.opts.s3.send(
          new ListMultipartUploadsCommand({
            Bucket: this.opts.bucket,
            Prefix: `${this.opts.movieKey}/`,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
          { abortSignal: AbortSignal.timeout(10_000) },
        );
        checkMultipartListing(res);
        for (const u of res.Uploads ?? []) {
          if (!u.Key || !u.UploadId || inFlight().has(u.Key)) continue;
          if (!parseSegmentKey(this.opts.movieKey, u.Key)) continue;
          try {
            await this.opts.s3.send(
              new AbortMultipartUploadCommand({
                Bucket: this.opts.bucket,
                Key: u.Key,
                UploadId: u.UploadId,
              }),
              { abortSignal: AbortSignal.timeout(10_000) },
            );
          } catch (err) {
            // Completed or aborted since it was listed (an upload of this process that just finished).
            if ((err as { name?: string }).name === "NoSuchUpload") continue;
            throw err;
          }
          aborted++;
          this.log.warn({ key: u.Key }, "aborted a multipart upload left open by a previous run");
        }
        if (!res.IsTruncated) break;
        keyMarker = res.NextKeyMarker;
        uploadIdMarker = res.NextUploadIdMarker;
      }
      this.sweepNeeded = false;
      return aborted;
    } finally {
      this.sweeping = false;
    }
  }

  /** A segment keyed by a clock before the floor: parked in `partial/`, never uploaded. */
  private async refuseEarly(seg: CompletedSegment): Promise<void> {
    const spool = channelSpool(this.opts.spoolDir, seg.channel);
    const kept = await moveToPartial(spool, `early_${path.basename(seg.path)}`, seg.path).catch(
      (err) => `not moved: ${String(err)}`,
    );
    this.log.error(
      {
        channel: seg.channel,
        key: this.keyOf(seg),
        partial: kept,
        floor: formatTime(this.opts.minStartMs!),
      },
      "segment keyed by a clock earlier than the recorder's release: kept in partial/ and not uploaded",
    );
  }

  /** Segments waiting (not in flight), oldest first: the disk guard's drop order. */
  waiting(): CompletedSegment[] {
    return [...this.pending.values()]
      .filter((i) => !i.inFlight)
      .map((i) => i.seg)
      .sort(oldestFirst);
  }

  /**
   * Deletes a waiting segment unuploaded (the disk guard, when the disk would
   * fill). Refuses (false) while it is in flight. Logs at error level: data
   * is lost.
   */
  async drop(file: string, reason: string): Promise<boolean> {
    const item = this.pending.get(file);
    if (item?.inFlight) return false;
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (!item) return true;
    this.remove(item);
    this.log.error(
      { channel: item.seg.channel, key: item.key, bytes: item.seg.bytes, reason },
      "segment dropped before upload: it will not be in the bucket",
    );
    this.emit("dropped", { segment: item.seg, key: item.key, reason });
    return true;
  }

  /** Resolves once nothing is waiting or in flight (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.pending.size === 0) {
          this.settled.delete(check);
          resolve();
        }
      };
      this.settled.add(check);
    });
  }

  /**
   * Stops taking new work and gives uploads in flight `graceMs` to finish;
   * then abandons them (a multipart upload is aborted). Whatever is not
   * confirmed stays in the spool for the next start.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.clock() + graceMs;
    while (this.active > 0 && this.clock() < deadline) await sleep(50);
    for (const item of this.pending.values()) void item.inFlight?.upload?.abort();
    const hardDeadline = this.clock() + 2_000;
    while (this.active > 0 && this.clock() < hardDeadline) await sleep(50);
  }

  private pump(): void {
    if (this.stopping || this.holdUploads) return;
    const state = this.scheduleState();
    for (const { item, live } of planStarts(state)) this.start(item, live);
    this.schedule(this.scheduleState());
  }

  private scheduleState(): ScheduleState<Item> {
    return {
      items: [...this.pending.values()],
      now: this.clock(),
      active: this.active,
      concurrency: this.opts.concurrency,
      liveBusy: this.liveBusy,
      blockedUntilMs: this.blockedUntilMs,
      storeOk: this.healthState.health === "ok",
    };
  }

  /** Wakes the pump when the earliest waiting segment becomes eligible (upload-schedule.ts). */
  private schedule(state: ScheduleState<Item>): void {
    const at = nextWakeAt(state);
    if (at === undefined) return;
    if (this.timer && this.timerAtMs <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAtMs = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAtMs = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, at - state.now),
    );
    this.timer.unref?.();
  }

  private start(item: Item, live: boolean): void {
    item.inFlight = { live };
    item.attempts++;
    this.active++;
    if (live) this.liveBusy = true;
    const startedAt = this.clock();
    this.attempt(item)
      .then(
        (done) =>
          done.storedAs !== undefined
            ? this.alreadyStored(item, done.storedAs)
            : this.succeeded(item, startedAt, done.multipart),
        (err) => this.failedAttempt(item, err),
      )
      .catch((err) => this.log.error({ err: String(err) }, "uploader bookkeeping failed"))
      .finally(() => {
        item.inFlight = undefined;
        this.active--;
        if (live) this.liveBusy = false;
        this.pump();
        for (const check of [...this.settled]) check();
      });
  }

  /**
   * One upload attempt; resolves with whether it went multipart, or with the
   * key the bucket already holds the segment under (a resumed segment).
   */
  private async attempt(item: Item): Promise<{ multipart: boolean; storedAs?: string }> {
    const { seg } = item;
    if (item.resumed) {
      const storedAs = await this.storedKeyOf(item);
      item.resumed = false;
      if (storedAs !== undefined) return { multipart: false, storedAs };
    }
    const bytes = (await stat(seg.path)).size;
    const multipart = bytes > this.opts.partSize;
    let body: Buffer | ReturnType<typeof createReadStream>;
    let contentMd5: string | undefined;
    if (multipart) {
      body = createReadStream(seg.path);
    } else {
      body = await readFile(seg.path);
      contentMd5 = createHash("md5").update(body).digest("base64");
    }
    const upload = new Upload({
      client: this.opts.s3,
      partSize: this.opts.partSize,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.opts.bucket,
        Key: item.key,
        Body: body,
        ContentLength: bytes,
        ContentType: "video/mp2t",
        Metadata: segmentMetadata(seg, this.opts.recorderVersion),
        ...(contentMd5 ? { ContentMD5: contentMd5 } : {}),
      },
    });
    if (item.inFlight) item.inFlight.upload = upload;
    // A stalled socket is cut by the client's request timeout; this bounds the whole attempt
    // (30 s plus the time of the body at 64 KiB/s, a slow uplink).
    const timeout = setTimeout(() => void upload.abort(), 30_000 + (bytes / 65_536) * 1000);
    try {
      await upload.done();
    } finally {
      clearTimeout(timeout);
      if (!Buffer.isBuffer(body)) body.destroy();
    }
    return { multipart };
  }

  /**
   * The key under which the bucket already holds this segment (same channel,
   * start, run and sequence number, whatever the duration in its name), if
   * any: one listing of the keys that start at the same millisecond.
   */
  private async storedKeyOf(item: Item): Promise<string | undefined> {
    const { seg } = item;
    const res = await this.opts.s3.send(
      new ListObjectsV2Command({
        Bucket: this.opts.bucket,
        Prefix: `${timeBound(this.opts.movieKey, seg.channel, seg.startMs)}_`,
        MaxKeys: 100,
      }),
      { abortSignal: AbortSignal.timeout(10_000) },
    );
    for (const o of res.Contents ?? []) {
      const stored = o.Key ? parseSegmentKey(this.opts.movieKey, o.Key) : undefined;
      if (stored && stored.run === seg.run && stored.seq === seg.seq) return o.Key;
    }
    return undefined;
  }

  /**
   * A segment left in the queue by a crash that S3 already holds: its file is
   * settled as after an upload, and nothing is uploaded. When the queue file
   * was re-keyed since (a torn copy trimmed at start-up), the bucket keeps
   * the copy it has: the same segment never gets a second key.
   */
  private async alreadyStored(item: Item, storedAs: string): Promise<void> {
    try {
      await this.settleFile(item.seg);
    } catch (err) {
      this.log.error(
        { channel: item.seg.channel, key: storedAs, err: String(err) },
        "segment already in the bucket, but the spool file could not be removed",
      );
    }
    this.remove(item);
    this.storeFailures = 0;
    this.setHealth("ok");
    this.log.info(
      { channel: item.seg.channel, key: storedAs, queued: item.key },
      item.key === storedAs
        ? "segment left in the queue by a crash is already in the bucket; not uploaded again"
        : "segment left in the queue by a crash is already in the bucket under its first key; this copy is not uploaded",
    );
  }

  private async succeeded(item: Item, startedAt: number, multipart: boolean): Promise<void> {
    const now = this.clock();
    try {
      await this.settleFile(item.seg);
    } catch (err) {
      // Still in the queue: the next start uploads the same bytes to the same key again.
      this.log.error(
        { channel: item.seg.channel, key: item.key, err: String(err) },
        "uploaded, but the spool file could not be removed",
      );
    }
    this.remove(item);
    this.storeFailures = 0;
    this.setHealth("ok");
    this.log.debug(
      { channel: item.seg.channel, key: item.key, bytes: item.seg.bytes, ms: now - startedAt },
      "segment uploaded",
    );
    this.emit("uploaded", {
      segment: item.seg,
      key: item.key,
      latencyMs: now - item.enqueuedAtMs,
      requestMs: now - startedAt,
      attempts: item.attempts,
      multipart,
    });
    if (this.sweepNeeded && !this.stopping) {
      this.sweepMultipartUploads().catch((err) => {
        if (!this.unsupportedSweep(err)) this.sweepNeeded = true;
      });
    }
  }

  private failedAttempt(item: Item, err: unknown): void {
    const failure = classifyUploadError(err);
    const now = this.clock();
    if (failure.kind === "gone") {
      // Dropped by the disk guard (which logged it) or removed by hand.
      this.remove(item);
      this.log.warn(
        { channel: item.seg.channel, key: item.key },
        "spool file vanished before upload",
      );
      return;
    }
    if (this.stopping && failure.code === "AbortError") return; // abandoned at shutdown
    let retryInMs: number;
    if (failure.kind === "item") {
      retryInMs = retryDelayMs("item", item.attempts, this.opts.retry, this.random);
      item.notBeforeMs = now + retryInMs;
    } else {
      this.storeFailures++;
      retryInMs = retryDelayMs(failure.kind, this.storeFailures, this.opts.retry, this.random);
      this.blockedUntilMs = Math.max(this.blockedUntilMs, now + retryInMs);
      this.setHealth(failure.kind === "permanent" ? "error" : "retrying", failure, now);
    }
    const fields = {
      channel: item.seg.channel,
      key: item.key,
      code: failure.code,
      attempts: item.attempts,
      retryInMs,
    };
    if (failure.kind === "permanent") {
      this.log.error(
        fields,
        `upload refused: ${failure.message}; segments stay in the spool and uploads resume once fixed`,
      );
    } else if (
      this.storeFailures <= 1 ||
      this.storeFailures % 20 === 0 ||
      failure.kind === "item"
    ) {
      this.log.warn(fields, `upload failed, will retry: ${failure.message}`);
    }
    this.emit("failed", {
      segment: item.seg,
      key: item.key,
      failure,
      attempts: item.attempts,
      retryInMs,
    });
  }

  private async settleFile(seg: CompletedSegment): Promise<void> {
    if (this.opts.keepUploadedMs <= 0) {
      await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      return;
    }
    const dir = channelSpool(this.opts.spoolDir, seg.channel).uploaded;
    await mkdir(dir, { recursive: true });
    const target = path.join(dir, path.basename(seg.path));
    await rename(seg.path, target);
    const now = new Date(this.clock());
    await utimes(target, now, now); // the keep period runs from the upload
  }

  private setHealth(health: UploaderHealth, failure?: UploadFailure, atMs = this.clock()): void {
    const prev = this.healthState;
    const lastError = failure ? { ...failure, atMs } : prev.lastError;
    if (prev.health === health && !failure) return;
    this.healthState = {
      health,
      sinceMs: prev.health === health ? prev.sinceMs : atMs,
      ...(lastError ? { lastError } : {}),
    };
    if (prev.health !== health) {
      if (health === "ok") this.log.info({ after: prev.health }, "uploads are going through again");
      this.emit("health", this.health);
    } else if (failure) {
      this.emit("health", this.health);
    }
  }

  private remove(item: Item): void {
    if (this.pending.delete(item.seg.path)) this.count(item.seg, -1);
  }

  private count(seg: CompletedSegment, sign: 1 | -1): void {
    const s = this.stats.get(seg.channel) ?? { segments: 0, bytes: 0 };
    s.segments += sign;
    s.bytes += sign * seg.bytes;
    this.stats.set(seg.channel, s);
  }
}

/**
 * User metadata stored with each segment (x-amz-meta-*), for operators
 * browsing the bucket. The key alone carries what playback needs. ASCII only.
 */
export function segmentMetadata(
  seg: CompletedSegment,
  recorderVersion: string,
): Record<string, string> {
  const meta: Record<string, string | number | undefined> = {
    channel: seg.channel,
    run: seg.run,
    seq: seg.seq,
    start: formatTime(seg.startMs),
    "duration-ms": seg.durationMs,
    "recorder-version": recorderVersion,
    "video-codec": seg.media?.videoCodec,
    resolution:
      seg.media?.width && seg.media?.height ? `${seg.media.width}x${seg.media.height}` : undefined,
    fps: seg.media?.fps,
    "video-bitrate": seg.media?.bitrate,
    "audio-codec": seg.media?.audioCodec,
    "audio-sample-rate": seg.media?.audioSampleRate,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined || v === "") continue;
    out[k] = String(v)
      .replace(/[^\x20-\x7e]/g, "?")
      .slice(0, 256);
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
