import { liveHoleGraceMs, liveListingRange, selectLiveWindow } from "./live-window";

/**
 * What `live.m3u8` answers, decided from the bucket alone (the API keeps no
 * state between requests: on Lambda every request may meet a new instance).
 *
 * A player holds a live playlist by re-polling it (RFC 8216 §6.3.4), so once
 * a channel has been live its playlist must keep answering while the
 * recorder pauses (a restart, a lost camera, a network outage), and carry on
 * with `#EXT-X-DISCONTINUITY` when the next run arrives. The lifecycle:
 *
 * - **live** (200): the window of the newest segments. While nothing new
 *   arrives, the same window is served again, so its media sequence stays put
 *   and players simply wait at its end. A new run continues the window (its
 *   first segment's `seq` follows the last one's), behind a discontinuity.
 * - **ended** (200 with `#EXT-X-ENDLIST`): the channel is disabled, or its
 *   newest segment ended more than the idle limit ago (LIVE_IDLE_LIMIT,
 *   default an hour). Players polling the playlist see the end and stop
 *   cleanly instead of polling forever. Served for `endGraceMs` after the
 *   idle limit so that every player polling at least that often sees it.
 * - **not live** (404 NOT_LIVE): nothing of the channel ended within the idle
 *   limit plus the end grace (never live, or dead), or a run that started
 *   after longer idle waits out the hole grace (see `selectLiveWindow`).
 *
 * The window holds at least `LIVE_WINDOW` segments and at least three target
 * durations of media (§6.2.2), and EXT-X-TARGETDURATION is a constant of the
 * channel (§6.2.1), never the longest segment of the moment.
 */
export type LiveDecision<T> =
  | { kind: "live" | "ended"; window: T[]; reason: string }
  /** `reason` completes "channel cam1 …": "is not live: …" or "is starting: …". */
  | { kind: "not-live"; reason: string };

export interface LiveCandidateSegment {
  seq: number;
  run: number;
  startMs: number;
  durationMs: number;
}

export interface LivePolicy {
  /** TARGET_DURATION, seconds: the segment length and the live target duration. */
  targetDurationSeconds: number;
  /** Segments the window holds at least (LIVE_WINDOW or the channel's `liveWindow`). */
  windowSize: number;
  /** After this long without a new segment the live playlist ends (LIVE_IDLE_LIMIT). */
  idleLimitMs: number;
  /** How long the ended playlist is served before the channel answers 404. */
  endGraceMs: number;
  /** The channel's settings say disabled. */
  disabled: boolean;
}

/**
 * The live target duration of a channel: TARGET_DURATION, constant whatever
 * the window holds. The recorder cuts every segment at TARGET_DURATION (a
 * keyframe is forced on each cut when it encodes), so each EXTINF rounds to
 * at most it; a run's first segment runs a few frames over and still rounds
 * to it. (A camera whose stream is copied cuts at its own keyframes: set its
 * keyframe interval to divide TARGET_DURATION, see README "Live".)
 */
export function liveTargetDuration(targetDurationSeconds: number): number {
  return targetDurationSeconds;
}

/** Media the window holds at least: three target durations (RFC 8216 §6.2.2). */
export function liveMinWindowMs(targetDurationSeconds: number): number {
  return 3 * liveTargetDuration(targetDurationSeconds) * 1000;
}

/**
 * The start-time range a held playlist lists: back to the idle limit plus
 * the end grace, plus room for a whole window before its newest segment.
 * Only read when the recent listing (`liveListingRange`) does not already
 * give a full, fresh window, i.e. while the channel pauses or starts.
 */
export function liveHoldListingRange(
  nowMs: number,
  policy: Pick<LivePolicy, "targetDurationSeconds" | "windowSize" | "idleLimitMs" | "endGraceMs">,
): { startMs: number; endMs: number } {
  const recent = liveListingRange(nowMs, policy.targetDurationSeconds, policy.windowSize);
  return {
    startMs: recent.startMs - policy.idleLimitMs - policy.endGraceMs,
    endMs: recent.endMs,
  };
}

/**
 * True when a window chosen from the recent listing alone is the final
 * answer: it holds enough segments and media, and its newest segment ended
 * within three target durations (the channel is recording). Otherwise the
 * longer listing decides (a window cut short by the listing's start could
 * otherwise differ from the one a longer listing gives).
 */
export function isSettledWindow<T extends LiveCandidateSegment>(
  window: readonly T[],
  nowMs: number,
  policy: Pick<LivePolicy, "targetDurationSeconds" | "windowSize">,
): boolean {
  const last = window[window.length - 1];
  if (!last) return false;
  let held = 0;
  for (const s of window) held += s.durationMs;
  const fresh = last.startMs + last.durationMs >= nowMs - 3 * policy.targetDurationSeconds * 1000;
  return (
    fresh &&
    window.length >= policy.windowSize &&
    held >= liveMinWindowMs(policy.targetDurationSeconds)
  );
}

/** The window of `segments` under the live rules (hole grace, window size, three target durations). */
export function chooseLiveWindow<T extends LiveCandidateSegment>(
  segments: readonly T[],
  nowMs: number,
  policy: Pick<LivePolicy, "targetDurationSeconds" | "windowSize">,
): T[] {
  return selectLiveWindow(
    segments,
    policy.windowSize,
    nowMs,
    liveHoleGraceMs(policy.targetDurationSeconds),
    liveMinWindowMs(policy.targetDurationSeconds),
  );
}

/** Live, ended or not live, from a window chosen by `chooseLiveWindow` over the hold listing. */
export function decideLive<T extends LiveCandidateSegment>(
  window: T[],
  listedCount: number,
  nowMs: number,
  policy: LivePolicy,
): LiveDecision<T> {
  const last = window[window.length - 1];
  if (!last) {
    const grace = liveHoleGraceMs(policy.targetDurationSeconds) / 1000;
    return {
      kind: "not-live",
      reason:
        listedCount > 0
          ? `is starting: live begins once its first segment has waited ${grace} s for earlier uploads`
          : `is not live: nothing was recorded in the last ${Math.round((policy.idleLimitMs + policy.endGraceMs) / 1000)} s`,
    };
  }
  const idleMs = nowMs - (last.startMs + last.durationMs);
  if (idleMs > policy.idleLimitMs + policy.endGraceMs) {
    return {
      kind: "not-live",
      reason: `is not live: nothing was recorded in the last ${Math.round((policy.idleLimitMs + policy.endGraceMs) / 1000)} s`,
    };
  }
  if (policy.disabled) return { kind: "ended", window, reason: "the channel is disabled" };
  if (idleMs > policy.idleLimitMs) {
    return {
      kind: "ended",
      window,
      reason: `nothing recorded for over ${Math.round(policy.idleLimitMs / 1000)} s`,
    };
  }
  return { kind: "live", window, reason: "live" };
}

/**
 * The whole decision, given a way to list the channel's segments whose start
 * lies in a range: the recent listing first (enough while the channel
 * records), the hold listing back to the idle limit only when that does not
 * settle it.
 */
export async function resolveLive<T extends LiveCandidateSegment>(
  list: (range: { startMs: number; endMs: number }) => Promise<T[]>,
  nowMs: number,
  policy: LivePolicy,
): Promise<LiveDecision<T>> {
  let segments = await list(
    liveListingRange(nowMs, policy.targetDurationSeconds, policy.windowSize),
  );
  let window = chooseLiveWindow(segments, nowMs, policy);
  if (!isSettledWindow(window, nowMs, policy)) {
    segments = await list(liveHoldListingRange(nowMs, policy));
    window = chooseLiveWindow(segments, nowMs, policy);
  }
  return decideLive(window, segments.length, nowMs, policy);
}
