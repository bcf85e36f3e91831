import type { SegmentListEntry } from "./segment-list";

/**
 * Media timestamps that tell the time. Every capture attempt gives ffmpeg an
 * `-output_ts_offset` derived from the wall clock at its start, and the TS
 * muxer writes timestamps as they are (`mpegts_copyts=1`: no extra 1.4 s
 * mux delay), so a segment's PTS is its UTC wall-clock time on the 90 kHz
 * MPEG-TS clock, modulo the 33-bit range:
 *
 *   PTS = (UTC epoch milliseconds × 90) mod 2^33          (wraps every ~26.5 h)
 *
 * Consequences: timestamps never go backwards across runs (a new run starts
 * where the clock is, not at 0), so a range across a restart remuxes with
 * `ffmpeg -c copy` and plays in VLC without timestamp resets, and a
 * downloaded clip's PTS tells its time (`wallOfPts`). The segment keys agree:
 * while a run is pinned (see `RunClock`), a key's start is the wall time of
 * the segment's first timestamp.
 */
export const PTS_WRAP_TICKS = 2 ** 33;
const TICKS_PER_MS = 90;

/** The stream-to-wall-clock mapping of one attempt: stream time `offsetTicks / 90000` s is `wallMs`. */
export interface StreamWallBase {
  /** Wall clock at the attempt's start, epoch ms. */
  wallMs: number;
  /** `wallMs` on the 33-bit 90 kHz clock: what `-output_ts_offset` adds to stream time 0. */
  offsetTicks: number;
}

/** The base of an attempt starting at `wallMs`. */
export function streamWallBase(wallMs: number): StreamWallBase {
  const ms = Math.round(wallMs);
  // ms × 90 exceeds 2^53 only after the year 2287: exact in a double until then.
  return { wallMs: ms, offsetTicks: (ms * TICKS_PER_MS) % PTS_WRAP_TICKS };
}

/** `-output_ts_offset` value for ffmpeg: seconds with microseconds (ffmpeg's own time resolution). */
export function tsOffsetArgument(base: StreamWallBase): string {
  return (base.offsetTicks / 90_000).toFixed(6);
}

/**
 * Wall-clock ms of a stream time (seconds, as ffmpeg's segment list gives
 * them: offset included, not wrapped). Stream time runs at the media's
 * rate, so the result strays from the system clock as the source's clock
 * drifts; `RunClock` watches that.
 */
export function streamToWallMs(base: StreamWallBase, streamS: number): number {
  return base.wallMs + streamS * 1000 - base.offsetTicks / TICKS_PER_MS;
}

/**
 * The wall-clock instant (epoch ms) a 33-bit PTS stands for: the one within
 * half a wrap (~13 h) of `nearMs`, e.g. the segment key's start.
 */
export function wallOfPts(ptsTicks: number, nearMs: number): number {
  const nearTicks = (((nearMs * TICKS_PER_MS) % PTS_WRAP_TICKS) + PTS_WRAP_TICKS) % PTS_WRAP_TICKS;
  let delta = ptsTicks - nearTicks;
  if (delta > PTS_WRAP_TICKS / 2) delta -= PTS_WRAP_TICKS;
  if (delta < -PTS_WRAP_TICKS / 2) delta += PTS_WRAP_TICKS;
  return nearMs + delta / TICKS_PER_MS;
}

/** A listed start this much (or more) before the media's first timestamp is ffmpeg's first-segment 0. */
const MEDIA_START_SLACK_S = 0.05;

/**
 * The first segment of an attempt, with its real start. ffmpeg's segment
 * list gives the first segment the start 0 whatever the timestamps (with an
 * offset, `0,95442.5`), so a start below what the media says is replaced
 * by the media's first timestamp (`startPts`, 33-bit, unwrapped next to the
 * listed end). Later segments start where the previous one ended and are
 * returned as they are.
 */
export function withMediaStart(entry: SegmentListEntry, startPts: number): SegmentListEntry {
  const ptsS = startPts / 90_000;
  const wrapS = PTS_WRAP_TICKS / 90_000;
  // The unwrapped value of ptsS that lies just below the listed end.
  const k = Math.floor((entry.endS - ptsS) / wrapS);
  const mediaStartS = ptsS + k * wrapS;
  // Later segments start where the previous one ended (their media may begin a
  // little earlier, with audio before the cut, never noticeably later).
  if (entry.startS >= mediaStartS - MEDIA_START_SLACK_S) return entry;
  return { ...entry, startS: Math.min(mediaStartS, entry.endS) };
}
