import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  CHANNEL_STATUS_SCHEMA,
  type ChannelError,
  type ChannelMedia,
  type ChannelState,
  type ChannelStatus,
  formatTime,
  type SourceState,
  statusKey,
} from "@kiroku/shared";
import { writeDurable } from "../spool/durable-write";
import { channelSpool } from "../spool/spool-layout";
import type { HealthEvent, QueueStats } from "../upload/uploader";
import {
  heartbeatDue,
  heartbeatFingerprint,
  type KeepAlive,
  keepAliveFor,
  keepAliveOf,
  type LastWrite,
} from "./heartbeat-policy";
import type { MetaWriter } from "./meta-writer";

/** The capture side's view of a channel (ChannelRecorder's states, plus disabled). */
export type CaptureState = "recording" | "reconnecting" | "disabled" | "stopped";

/**
 * The heartbeat object of each channel (`{movieKey}/_meta/{channel}/status.json`,
 * shape in shared/src/channel-status.ts), written through the MetaWriter
 * (latest wins, never blocks uploads) when something a reader acts on
 * changes, plus a keep-alive: every STATUS_INTERVAL seconds while the channel
 * does not record, ten times that while it records (its segments prove
 * life meanwhile). See heartbeat-policy.ts for what counts as a change.
 *
 * The state shown is the capture state, except that a permanent upload
 * failure (credentials, bucket) shows as `error` while the channel records:
 * the operator must act, and `lastError` says on what.
 *
 * Clock (`timeTrust`): a heartbeat carries times, so none goes to the bucket
 * while the clock is not trusted (it would be written under a false time,
 * and a store refuses a request signed with a skewed clock anyway). The local
 * copy is written meanwhile, with `clock.synchronised: false` and the number
 * of segments held; once trusted, `clockStepped()` moves the times noted
 * before onto the trusted scale and the bucket heartbeats resume, saying
 * since when the clock is synchronised.
 */
export interface StatusReporterOptions {
  writer: MetaWriter;
  movieKey: string;
  /** STATUS_INTERVAL: the keep-alive while not recording (see heartbeat-policy.ts). */
  intervalMs: number;
  /** How often changes are looked for between explicit `report()` calls. Default min(5 s, intervalMs). */
  checkMs?: number;
  hostname: string;
  recorderVersion: string;
  clock?: () => number;
  queue: (channel: string) => QueueStats;
  diskFreeBytes: () => number | null;
  uploadHealth: () => HealthEvent;
  /** Whether the wall clock is trusted, since when, and how many segments each channel holds meanwhile. */
  timeTrust?: () => { trusted: boolean; sinceMs?: number; held: (channel: string) => number };
  /**
   * Also keep the latest heartbeat at `{spoolDir}/{channel}/status.json`, so
   * an operator on the box sees it when the bucket cannot be reached.
   */
  spoolDir?: string;
}

interface ChannelEntry {
  channel: string;
  source: string;
  capture: CaptureState;
  captureSinceMs: number;
  shown?: ChannelState;
  shownSinceMs: number;
  media?: ChannelMedia;
  lastSegment?: { key: string; startMs: number; durationMs: number };
  lastUploaded?: { key: string; atMs: number };
  dropped: number;
  quarantined: number;
  captureError?: ChannelError;
  /** The capture side in detail; unset while disabled. */
  sourceState?: SourceState;
  /** Why the channel settings cannot be read, while they cannot (the recorder fails open). */
  settingsProblem?: string;
}

export class StatusReporter {
  private started = false;
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private readonly localWrites = new Map<string, Promise<void>>();
  /** The last heartbeat written per channel, to the bucket and locally (the local copy follows the same rule). */
  private readonly lastBucket = new Map<string, LastWrite>();
  private readonly lastLocal = new Map<string, LastWrite>();
  private readonly keepAlive: KeepAlive;

  constructor(private readonly opts: StatusReporterOptions) {
    this.clock = opts.clock ?? Date.now;
    this.keepAlive = keepAliveOf(opts.intervalMs);
  }

  addChannel(channel: string, source: string, capture: CaptureState = "reconnecting"): void {
    const now = this.clock();
    // What was counted before the channel was added (the start-up queue check) stays counted.
    const earlier = this.channels.get(channel);
    this.channels.set(channel, {
      channel,
      source,
      capture,
      captureSinceMs: now,
      shownSinceMs: now,
      dropped: earlier?.dropped ?? 0,
      quarantined: earlier?.quarantined ?? 0,
      ...(earlier?.captureError ? { captureError: earlier.captureError } : {}),
    });
  }

  setCaptureState(
    channel: string,
    state: CaptureState,
    sinceMs?: number,
    lastError?: string,
    sourceState?: SourceState,
  ): void {
    const e = this.entry(channel);
    if (e.capture !== state) {
      e.capture = state;
      e.captureSinceMs = sinceMs ?? this.clock();
    }
    e.sourceState =
      state === "disabled"
        ? undefined
        : state === "stopped"
          ? "stopped"
          : (sourceState ?? e.sourceState);
    if (lastError) {
      e.captureError = {
        at: formatTime(this.clock()),
        message: lastError,
        source: "capture",
      };
    }
  }

  setMedia(channel: string, media: ChannelMedia): void {
    this.entry(channel).media = media;
  }

  segmentCompleted(
    channel: string,
    seg: { key: string; startMs: number; durationMs: number },
  ): void {
    this.entry(channel).lastSegment = {
      key: seg.key,
      startMs: seg.startMs,
      durationMs: seg.durationMs,
    };
  }

  /** The channel settings cannot be read (message) or can again (undefined): shown until fixed. */
  setSettingsProblem(channel: string, message: string | undefined): void {
    this.entry(channel).settingsProblem = message;
  }

  segmentUploaded(channel: string, key: string): void {
    this.entry(channel).lastUploaded = { key, atMs: this.clock() };
  }

  segmentDropped(channel: string): void {
    this.entry(channel).dropped++;
  }

  /** A segment file was not decodable video: counted, and shown as the channel's last error. */
  segmentQuarantined(channel: string, reason: string, file: string): void {
    const e = this.entry(channel);
    e.quarantined++;
    e.captureError = {
      at: formatTime(this.clock()),
      code: "SEGMENT_QUARANTINED",
      message: `segment ${file} is not decodable video (${reason}); kept in quarantine/, not uploaded`,
      source: "capture",
    };
  }

  /** The status object of a channel as it would be written now. */
  snapshot(channel: string): ChannelStatus {
    const e = this.entry(channel);
    const now = this.clock();
    const health = this.opts.uploadHealth();
    const active = e.capture === "recording" || e.capture === "reconnecting";
    const state: ChannelState = active && health.health === "error" ? "error" : e.capture;
    if (state !== e.shown) {
      e.shownSinceMs = state === e.capture ? e.captureSinceMs : (health.sinceMs ?? now);
      e.shown = state;
    }
    const uploadError: ChannelError | undefined = health.lastError
      ? {
          at: formatTime(health.lastError.atMs),
          code: health.lastError.code,
          message: health.lastError.message,
          source: "upload",
        }
      : undefined;
    const lastError =
      [uploadError, e.captureError]
        .filter((x): x is ChannelError => x !== undefined)
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0] ?? null;
    return {
      schema: CHANNEL_STATUS_SCHEMA,
      channel,
      state,
      since: formatTime(e.shownSinceMs),
      source: e.source,
      ...(e.media ? { media: e.media } : {}),
      ...(e.lastSegment ? { lastSegment: e.lastSegment } : {}),
      ...(e.lastUploaded
        ? { lastUploaded: { key: e.lastUploaded.key, at: formatTime(e.lastUploaded.atMs) } }
        : {}),
      queue: this.opts.queue(channel),
      diskFreeBytes: this.opts.diskFreeBytes(),
      dropped: e.dropped,
      quarantined: e.quarantined,
      lastError,
      ...(e.sourceState ? { sourceState: e.sourceState } : {}),
      ...(e.settingsProblem ? { settingsProblem: e.settingsProblem } : {}),
      ...this.clockField(channel),
      recorderVersion: this.opts.recorderVersion,
      updatedAt: formatTime(now),
      // The keep-alive this heartbeat promises: readers call it stale after a few of these.
      intervalSeconds: Math.round(keepAliveFor({ state }, this.keepAlive) / 1000),
      hostname: this.opts.hostname,
    };
  }

  /**
   * The wall clock stepped by `stepMs` when it became trusted: times noted
   * before (state changes, errors, uploads) move onto the trusted scale.
   */
  clockStepped(stepMs: number): void {
    if (stepMs === 0) return;
    const shift = (iso: string) => formatTime(Date.parse(iso) + stepMs);
    for (const e of this.channels.values()) {
      e.captureSinceMs += stepMs;
      e.shownSinceMs += stepMs;
      if (e.lastUploaded) e.lastUploaded.atMs += stepMs;
      if (e.captureError) e.captureError = { ...e.captureError, at: shift(e.captureError.at) };
    }
  }

  /**
   * Queues each channel's heartbeat whose content changed or whose keep-alive
   * is due (all of them with `force`); nothing before `start()`, local only
   * while the clock is untrusted. Callers call it when something happened
   * that readers should hear of now; the check timer catches the rest.
   */
  report(force = false): void {
    if (!this.started) return;
    const toBucket = this.opts.timeTrust?.().trusted ?? true;
    const now = this.clock();
    for (const channel of this.channels.keys()) {
      const snapshot = this.snapshot(channel);
      const write: LastWrite = {
        fingerprint: heartbeatFingerprint(snapshot),
        atMs: now,
        keepAliveMs: snapshot.intervalSeconds * 1000,
      };
      if (toBucket && (force || heartbeatDue(this.lastBucket.get(channel), snapshot, now))) {
        this.opts.writer.put(statusKey(this.opts.movieKey, channel), snapshot);
        this.lastBucket.set(channel, write);
      }
      if (force || heartbeatDue(this.lastLocal.get(channel), snapshot, now)) {
        this.writeLocal(channel, snapshot);
        this.lastLocal.set(channel, write);
      }
    }
  }

  start(): void {
    if (this.timer) return;
    this.started = true;
    this.report();
    this.timer = setInterval(
      () => this.report(),
      this.opts.checkMs ?? Math.min(5_000, this.opts.intervalMs),
    );
    this.timer.unref();
  }

  /** Writes a last heartbeat with every channel `stopped` (the writer flushes it on close). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const e of this.channels.values()) this.setCaptureState(e.channel, "stopped");
    this.report(true);
  }

  /** Resolves when the local copies queued so far are on disk. */
  async flushLocal(): Promise<void> {
    await Promise.all(this.localWrites.values());
  }

  private writeLocal(channel: string, snapshot: ChannelStatus): void {
    if (!this.opts.spoolDir) return;
    const file = path.join(channelSpool(this.opts.spoolDir, channel).root, "status.json");
    const previous = this.localWrites.get(channel) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await writeDurable(file, `${JSON.stringify(snapshot, null, 2)}\n`);
      })
      .catch(() => {});
    this.localWrites.set(channel, next);
  }

  private clockField(channel: string): Pick<ChannelStatus, "clock"> {
    const t = this.opts.timeTrust?.();
    if (!t) return {};
    return {
      clock: {
        synchronised: t.trusted,
        ...(t.trusted && t.sinceMs !== undefined ? { since: formatTime(t.sinceMs) } : {}),
        held: t.held(channel),
      },
    };
  }

  private entry(channel: string): ChannelEntry {
    let e = this.channels.get(channel);
    if (!e) {
      this.addChannel(channel, "unknown");
      e = this.channels.get(channel)!;
    }
    return e;
  }
}
