import { channelPrefix, timeBound, utcDayStart } from "./segment-key";

/**
 * Range scan planning: which ListObjectsV2 calls read exactly the keys that
 * can overlap a time range, and no more.
 *
 * A segment overlaps [startMs, endMs) when it starts before `endMs` and ends
 * after `startMs`. Keys sort by start time, so the scan begins at the first
 * key that can still reach `startMs` (`startMs - lookbackMs`, where lookback
 * is the longest a segment can be) and stops at the first key starting at or
 * after `endMs`. Segments that started before `startMs` but run into it are
 * included; the caller drops the lookback keys that end too early.
 *
 * One scan reads ceil(n/1000) pages plus at most one. Ranges longer than
 * `splitAboveMs` (default one day) are cut at UTC midnights into independent
 * scans that can be listed concurrently: each costs at most one extra page.
 */
export interface RangeScan {
  /** ListObjectsV2 Prefix: the channel prefix. */
  prefix: string;
  /** ListObjectsV2 StartAfter: keys after this start at or after the scan's start. */
  startAfter: string;
  /** Stop reading (and request no further page) at the first key >= this. */
  stopAt: string;
  /** Start-time window of the keys this scan is responsible for, [fromMs, toMs). */
  fromMs: number;
  toMs: number;
}

export interface RangeScanRequest {
  movieKey: string;
  channel: string;
  startMs: number;
  endMs: number;
  /** The longest a segment can be: how far before `startMs` an overlapping segment can start. */
  lookbackMs: number;
  /** Ranges longer than this are split at UTC midnights. Default: 24 h. */
  splitAboveMs?: number;
}

export const DAY_MS = 86_400_000;

export function planRangeScans(req: RangeScanRequest): RangeScan[] {
  const { movieKey, channel, startMs, endMs } = req;
  if (!(endMs > startMs)) throw new RangeError(`range end ${endMs} must be after start ${startMs}`);
  const from = Math.max(0, startMs - Math.max(0, req.lookbackMs));
  const prefix = channelPrefix(movieKey, channel);
  const scan = (a: number, b: number): RangeScan => ({
    prefix,
    startAfter: timeBound(movieKey, channel, a),
    stopAt: timeBound(movieKey, channel, b),
    fromMs: a,
    toMs: b,
  });
  if (endMs - startMs <= (req.splitAboveMs ?? DAY_MS)) return [scan(from, endMs)];
  const scans: RangeScan[] = [];
  let a = from;
  while (a < endMs) {
    const b = Math.min(endMs, utcDayStart(a) + DAY_MS);
    scans.push(scan(a, b));
    a = b;
  }
  return scans;
}

/** True when a segment [segStart, segStart+duration) overlaps [startMs, endMs). */
export function overlaps(
  segStartMs: number,
  durationMs: number,
  startMs: number,
  endMs: number,
): boolean {
  return segStartMs < endMs && segStartMs + durationMs > startMs;
}
