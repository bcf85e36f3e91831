import { type ChannelSettings, type ChannelStatus, formatTime, redactUrl } from "@kiroku/shared";

/** What a viewer can expect of a channel right now (OSS GetLiveChannelStat's Live/Idle, plus Disabled). */
export type LiveState = "Live" | "Idle" | "Disabled";

/**
 * A heartbeat counts as fresh while it is younger than this many of its own
 * intervals: one missed write (a slow PUT, a GC pause) must not flip a
 * channel to Idle, three missed writes mean the recorder is gone.
 */
export const HEARTBEAT_STALE_INTERVALS = 3;
/** Floor of the freshness bound, for recorders that heartbeat very often. */
export const HEARTBEAT_STALE_MIN_MS = 15_000;

/** The heartbeat age (ms) past which a status object no longer describes the recorder. */
export function staleAfterMs(status: Pick<ChannelStatus, "intervalSeconds">): number {
  const interval = Number.isFinite(status.intervalSeconds) ? status.intervalSeconds : 10;
  return Math.max(HEARTBEAT_STALE_MIN_MS, HEARTBEAT_STALE_INTERVALS * interval * 1000);
}

/**
 * A `recording` heartbeat alone says Live while it is younger than this
 * (three segment durations, at least HEARTBEAT_STALE_MIN_MS). Past it, a
 * recording recorder's heartbeat is only a keep-alive (written every few
 * minutes, see the recorder's heartbeat policy), and a segment that ended
 * within the last three segment durations must prove the channel live.
 */
export function recordingProofAfterMs(targetDurationSeconds: number): number {
  return Math.max(HEARTBEAT_STALE_MIN_MS, 3 * targetDurationSeconds * 1000);
}

/** True when `channelState` needs the newest segment's end to tell Live from Idle. */
export function needsSegmentProof(
  status: ChannelStatus | undefined,
  nowMs: number,
  targetDurationSeconds: number,
): boolean {
  if (status?.state !== "recording") return false;
  const updatedMs = Date.parse(status.updatedAt);
  if (!Number.isFinite(updatedMs)) return false;
  const ageMs = Math.max(0, nowMs - updatedMs);
  return ageMs >= recordingProofAfterMs(targetDurationSeconds) && ageMs < staleAfterMs(status);
}

/** What the bucket's newest segments say, for heartbeats that need a proof (see needsSegmentProof). */
export interface SegmentProof {
  targetDurationSeconds: number;
  /** End (epoch ms) of the newest segment of the recent listing; undefined when there is none. */
  newestSegmentEndMs: number | undefined;
}

export interface ChannelStateResult {
  state: LiveState;
  /** When the current state began, as far as the bucket tells (ISO 8601), or null when unknown. */
  since: string | null;
  /** Seconds since the heartbeat was written, or null without one. Never negative (recorder clock ahead). */
  heartbeatAge: number | null;
  /** True while the heartbeat describes a running recorder. */
  fresh: boolean;
  /** Why: which fact decided the state (for operators reading `stat`). */
  reason: string;
}

/**
 * Live, Idle or Disabled from the settings and the heartbeat:
 * - Disabled: the settings say disabled, or a fresh heartbeat says the
 *   recorder has the channel switched off (it may not have seen a re-enable yet).
 * - Live: a fresh heartbeat whose state is `recording`.
 * - Idle: everything else (no heartbeat, a stale one, reconnecting, upload
 *   errors, a clean stop). A stale `disabled` heartbeat is Idle: that
 *   recorder is gone and says nothing about now.
 */
export function channelState(
  settings: Pick<ChannelSettings, "status" | "updatedAt"> | undefined,
  status: ChannelStatus | undefined,
  nowMs: number,
  proof?: SegmentProof,
): ChannelStateResult {
  const updatedMs = status ? Date.parse(status.updatedAt) : Number.NaN;
  const ageMs = Number.isFinite(updatedMs) ? Math.max(0, nowMs - updatedMs) : undefined;
  const fresh = status !== undefined && ageMs !== undefined && ageMs < staleAfterMs(status);
  const heartbeatAge = ageMs === undefined ? null : Math.round(ageMs / 100) / 10;
  const statusSince = status && Number.isFinite(Date.parse(status.since)) ? status.since : null;
  if (settings?.status === "disabled") {
    return {
      state: "Disabled",
      since: fresh && status?.state === "disabled" ? statusSince : (settings.updatedAt ?? null),
      heartbeatAge,
      fresh,
      reason: "the channel's settings say disabled",
    };
  }
  if (fresh && status.state === "disabled") {
    return {
      state: "Disabled",
      since: statusSince,
      heartbeatAge,
      fresh,
      reason: "the recorder reports the channel disabled",
    };
  }
  if (fresh && status.state === "recording") {
    if (!proof || !needsSegmentProof(status, nowMs, proof.targetDurationSeconds)) {
      return { state: "Live", since: statusSince, heartbeatAge, fresh, reason: "recording" };
    }
    // Between keep-alives the segments are the recorder's proof of life.
    const boundMs = 3 * proof.targetDurationSeconds * 1000;
    const newest = proof.newestSegmentEndMs;
    if (newest !== undefined && newest >= nowMs - boundMs) {
      return {
        state: "Live",
        since: statusSince,
        heartbeatAge,
        fresh,
        reason: "recording (a segment ended within three segment durations)",
      };
    }
    return {
      state: "Idle",
      since: newest !== undefined ? formatTime(newest) : formatTime(updatedMs),
      heartbeatAge,
      fresh,
      reason: `the recorder said recording ${heartbeatAge} s ago, but no segment ended in the last ${boundMs / 1000} s`,
    };
  }
  if (!status) {
    return { state: "Idle", since: null, heartbeatAge, fresh, reason: "no recorder has reported" };
  }
  if (!fresh) {
    return {
      state: "Idle",
      // Idle since the recorder was last heard from.
      since: Number.isFinite(updatedMs) ? formatTime(updatedMs) : null,
      heartbeatAge,
      fresh,
      reason: `no heartbeat for ${heartbeatAge ?? "?"} s (stale after ${staleAfterMs(status) / 1000} s)`,
    };
  }
  return {
    state: "Idle",
    since: statusSince,
    heartbeatAge,
    fresh,
    reason: recorderReason(status),
  };
}

/**
 * Why a fresh heartbeat that is not `recording` means Idle, in words:
 * `the recorder is reconnecting: waiting for device (device /dev/video9 does
 * not exist: …)`. The capture error is quoted only when it is the newest.
 */
function recorderReason(status: ChannelStatus): string {
  const detail =
    typeof status.sourceState === "string" && status.sourceState !== status.state
      ? `: ${status.sourceState}`
      : "";
  const error =
    status.lastError && status.lastError.source !== "upload" && detail !== ""
      ? ` (${redactText(status.lastError.message)})`
      : "";
  return `the recorder is ${status.state}${detail}${error}`;
}

/** The `stat` document: state plus everything the heartbeat knows, sources redacted once more. */
export function statJson(
  channel: string,
  settings: ChannelSettings | undefined,
  status: ChannelStatus | undefined,
  nowMs: number,
  proof?: SegmentProof,
): Record<string, unknown> {
  const s = channelState(settings, status, nowMs, proof);
  const media = status?.media;
  const last = status?.lastSegment;
  return {
    channel,
    state: s.state,
    since: s.since,
    reason: s.reason,
    heartbeatAge: s.heartbeatAge,
    recorderState: status?.state ?? null,
    /** The capture side in detail (`waiting for device`, `source unavailable`, …); null from older recorders. */
    sourceState: typeof status?.sourceState === "string" ? status.sourceState : null,
    settingsStatus: settings?.status ?? null,
    source: status ? redactUrl(status.source) : null,
    video: media
      ? {
          codec: media.videoCodec ?? null,
          width: media.width ?? null,
          height: media.height ?? null,
          fps: media.fps ?? null,
          bitrate: media.bitrate ?? null,
        }
      : null,
    audio:
      media && (media.audioCodec !== undefined || media.audioSampleRate !== undefined)
        ? { codec: media.audioCodec ?? null, sampleRate: media.audioSampleRate ?? null }
        : null,
    lastSegment: last
      ? {
          key: last.key,
          start: safeTime(last.startMs),
          end: safeTime(last.startMs + last.durationMs),
          duration: last.durationMs / 1000,
        }
      : null,
    lastSegmentTime: last ? safeTime(last.startMs) : null,
    lastUploaded: status?.lastUploaded ?? null,
    uploadBacklog: status ? { segments: status.queue.segments, bytes: status.queue.bytes } : null,
    diskFreeBytes: status?.diskFreeBytes ?? null,
    dropped: status?.dropped ?? null,
    lastError: status?.lastError
      ? { ...status.lastError, message: redactText(status.lastError.message) }
      : null,
    // The recorder's clock: heartbeats reach the bucket only once it is trusted,
    // so this says since when, and how many segments still wait for it.
    clock: status?.clock
      ? {
          synchronised: status.clock.synchronised,
          since: status.clock.since ?? null,
          held: status.clock.held,
        }
      : null,
    hostname: status?.hostname ?? null,
    recorderVersion: status?.recorderVersion ?? null,
    heartbeatAt: status?.updatedAt ?? null,
    heartbeatInterval: status?.intervalSeconds ?? null,
  };
}

/** Redacts every URL inside free text (error messages may quote a source). */
export function redactText(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}

/** ISO 8601 of epoch ms, or null for values no Date can hold (a junk heartbeat must not throw). */
export function safeTime(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? formatTime(ms) : null;
}
