import { isChannelName, validateChannelName } from "./channel-name";

/**
 * The storage schema: the only code that turns a segment into an S3 key and
 * back. Version 1 (documented in the README, "Storage layout"):
 *
 *   {S3_MOVIE_KEY}/{channel}/{YYYY-MM-DD}/{HH-mm-ss.SSS}Z_{durationMs}ms_r{run}_s{seq}.ts
 *   movie/cam1/2026-11-22/10-30-00.000Z_30000ms_r42_s1234.ts
 *
 * - Day folders (UTC) make the bucket browsable in any S3 console.
 * - Within a channel every field before the first `_` is fixed width, so
 *   lexicographic key order is chronological order and a time range is one
 *   ListObjectsV2 scan with StartAfter.
 * - The key carries all a playlist needs: UTC start to the millisecond,
 *   duration in ms, the recording run (a per-channel counter: a change marks a
 *   discontinuity) and the per-channel sequence number (stable live media
 *   sequence numbers). No HEAD request per segment, ever.
 * - Start time + run + sequence never repeat within a channel, so keys never
 *   collide, even across fast restarts (run and seq are persisted counters).
 */
export const SEGMENT_SCHEMA_VERSION = 1;

/** A segment as the key describes it. */
export interface SegmentRef {
  channel: string;
  /** UTC wall-clock start, epoch milliseconds. */
  startMs: number;
  durationMs: number;
  /** Recording run: a per-channel counter that changes whenever ffmpeg (re)starts. */
  run: number;
  /** Per-channel monotonic sequence number, from FIRST_SEQ. */
  seq: number;
}

/**
 * The recorder numbers a channel's segments from 1, so a segment with this
 * `seq` has no predecessor (the live window need not wait for one). Keys
 * accept 0 as well.
 */
export const FIRST_SEQ = 1;

/** A segment found in the bucket. */
export interface StoredSegment extends SegmentRef {
  key: string;
  /** Object size in bytes, when the listing said. */
  size?: number;
}

const MAX_DURATION_MS = 9_999_999; // 7 digits: about 2.8 hours, far above any segment
const KEY_NAME = /^(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z_(\d{1,7})ms_r(\d{1,16})_s(\d{1,16})\.ts$/;
const DAY_FOLDER = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `movie/cam1/`: every key of the channel, segments and stored playlists alike, starts with this. */
export function channelPrefix(movieKey: string, channel: string): string {
  return `${movieKey}/${validateChannelName(channel)}/`;
}

/** `movie/cam1/2026-11-22/`: the UTC day folder holding segments that start on that day. */
export function dayPrefix(movieKey: string, channel: string, dayMs: number): string {
  return `${channelPrefix(movieKey, channel)}${utcDay(dayMs)}/`;
}

/**
 * A string that sorts after every key of segments starting before `ms` and
 * before every key of segments starting at or after `ms`: the StartAfter of a
 * scan that wants segments starting at or after `ms`.
 */
export function timeBound(movieKey: string, channel: string, ms: number): string {
  return `${dayPrefix(movieKey, channel, ms)}${clockName(ms)}`;
}

/** The S3 key of a segment. Throws on values the schema cannot hold. */
export function segmentKey(movieKey: string, seg: SegmentRef): string {
  checkWhole("startMs", seg.startMs, 0, Number.MAX_SAFE_INTEGER);
  checkWhole("durationMs", seg.durationMs, 0, MAX_DURATION_MS);
  checkWhole("run", seg.run, 0, Number.MAX_SAFE_INTEGER);
  checkWhole("seq", seg.seq, 0, Number.MAX_SAFE_INTEGER);
  const year = new Date(seg.startMs).getUTCFullYear();
  if (year < 1000 || year > 9999)
    throw new RangeError(`segment start year ${year} is outside 1000-9999`);
  return `${timeBound(movieKey, seg.channel, seg.startMs)}_${seg.durationMs}ms_r${seg.run}_s${seg.seq}.ts`;
}

/** The segment a key names, or `undefined` when the key is not a v1 segment key of this layout. */
export function parseSegmentKey(movieKey: string, key: string): StoredSegment | undefined {
  const prefix = `${movieKey}/`;
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split("/");
  if (parts.length !== 3) return undefined;
  const [channel, day, name] = parts as [string, string, string];
  if (!isChannelName(channel)) return undefined;
  const d = DAY_FOLDER.exec(day);
  const n = KEY_NAME.exec(name);
  if (!d || !n) return undefined;
  const [, y, mo, da] = d.map(Number) as [number, number, number, number];
  const [, h, mi, s, ms, dur, run, seq] = n.map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const startMs = Date.UTC(y, mo - 1, da, h, mi, s, ms);
  // Reject impossible dates (2026-02-30 would silently roll over to March).
  if (utcDay(startMs) !== day || !Number.isSafeInteger(run) || !Number.isSafeInteger(seq))
    return undefined;
  return { key, channel, startMs, durationMs: dur, run, seq };
}

/** `2026-11-22` for an instant (UTC). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day holding `ms`. */
export function utcDayStart(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}

function clockName(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T10:30:00.000Z
  return `${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 23)}Z`;
}

function checkWhole(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `segment ${name} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
}
