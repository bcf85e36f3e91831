import type { ChannelStatus } from "@kiroku/shared";

/**
 * When a channel's heartbeat (`status.json`) is worth a PUT.
 *
 * A PUT costs 12.5 times a GET on S3, and a heartbeat every 5 s was three
 * quarters of a camera's monthly request bill. Readers need the heartbeat to
 * learn what changed (state, its reason, errors, a growing backlog, a new
 * run's media, the clock) and to know the recorder is still there. So a
 * heartbeat is written:
 * - when its fingerprint (the fields a reader acts on) changes;
 * - otherwise once its keep-alive is due: `idleMs` (STATUS_INTERVAL) while
 *   the channel is not recording, `recordingMs` while it is, because then
 *   the segments landing in the bucket every TARGET_DURATION are the proof
 *   of life (the API checks the newest segment when the heartbeat is older
 *   than a few segment durations).
 *
 * Fields that change with every segment (last segment, last upload, bytes
 * queued, free disk) are refreshed whenever a heartbeat is written, but do
 * not cause one.
 */
export interface KeepAlive {
  /** Keep-alive while the channel is not recording (STATUS_INTERVAL). */
  idleMs: number;
  /** Keep-alive while it records: segments prove life in between. */
  recordingMs: number;
}

/** How many times STATUS_INTERVAL the keep-alive stretches to while segments prove life. */
export const RECORDING_KEEPALIVE_FACTOR = 10;

/** The keep-alives of a STATUS_INTERVAL (ms): recording stretches it tenfold, to an hour at most. */
export function keepAliveOf(intervalMs: number): KeepAlive {
  return {
    idleMs: intervalMs,
    recordingMs: Math.min(3_600_000, intervalMs * RECORDING_KEEPALIVE_FACTOR),
  };
}

/** The keep-alive in effect for a heartbeat: what it promises as `intervalSeconds`. */
export function keepAliveFor(status: Pick<ChannelStatus, "state">, k: KeepAlive): number {
  return status.state === "recording" ? k.recordingMs : k.idleMs;
}

/**
 * The upload backlog as a reader needs it: 0 while at most one segment waits
 * (the newest one being uploaded: normal), then one level per doubling
 * (2-3, 4-7, 8-15, …). A heartbeat goes out at every crossing, up or down,
 * so a backlog that builds or drains is seen without one PUT per segment.
 */
export function backlogLevel(segments: number): number {
  if (!(segments > 1)) return 0;
  return Math.floor(Math.log2(segments));
}

/** The fields of a heartbeat a reader acts on, as one comparable string. */
export function heartbeatFingerprint(status: ChannelStatus): string {
  const m = status.media;
  return JSON.stringify([
    status.state,
    status.since,
    status.source,
    status.sourceState ?? null,
    status.settingsProblem ?? null,
    // An error's text and code, not its time: a retry loop repeating the same
    // failure is not news (each retry would otherwise cost a PUT).
    status.lastError ? [status.lastError.code ?? null, status.lastError.message] : null,
    // A new run's stream (bitrate varies by segment: not news).
    m ? [m.videoCodec, m.width, m.height, m.fps, m.audioCodec, m.audioSampleRate] : null,
    status.dropped,
    status.quarantined ?? 0,
    backlogLevel(status.queue.segments),
    // The clock's trust, and whether segments still wait for it (not how many).
    status.clock
      ? [status.clock.synchronised, status.clock.since ?? null, status.clock.held > 0]
      : null,
    status.hostname,
    status.recorderVersion,
  ]);
}

/** What the reporter remembers of the last heartbeat it wrote for a channel. */
export interface LastWrite {
  fingerprint: string;
  atMs: number;
  keepAliveMs: number;
}

/**
 * True when `status` must be written now: nothing written yet, the
 * fingerprint changed, or the keep-alive of the last write is due. A clock
 * that went backwards (before the last write) also writes: the age cannot be
 * trusted.
 */
export function heartbeatDue(
  last: LastWrite | undefined,
  status: ChannelStatus,
  nowMs: number,
): boolean {
  if (!last) return true;
  if (heartbeatFingerprint(status) !== last.fingerprint) return true;
  return nowMs - last.atMs >= last.keepAliveMs || nowMs < last.atMs;
}
