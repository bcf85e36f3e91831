import type { TimeRange } from "../http/time-range";

/** A stretch of wall-clock time, [startMs, endMs). */
export interface Span {
  startMs: number;
  endMs: number;
}

export interface SummaryBucket extends Span {
  /** Milliseconds of the bucket covered by recordings. */
  recordedMs: number;
}

/**
 * Recorded spans for a timeline: segments merged wherever the next one starts
 * within `toleranceMs` of the end of the previous (run changes without a gap
 * are one span: the viewer saw no interruption), clipped to the range.
 * Input in any order.
 */
export function mergeSpans(
  segments: readonly { startMs: number; durationMs: number }[],
  range: TimeRange,
  toleranceMs: number,
): Span[] {
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs);
  const spans: Span[] = [];
  let cur: Span | undefined;
  for (const s of sorted) {
    const start = Math.max(s.startMs, range.startMs);
    const end = Math.min(s.startMs + s.durationMs, range.endMs);
    if (end <= start) continue;
    if (cur && start <= cur.endMs + toleranceMs) {
      if (end > cur.endMs) cur.endMs = end;
    } else {
      cur = { startMs: start, endMs: end };
      spans.push(cur);
    }
  }
  return spans;
}

/**
 * The gaps of a range not covered by `spans` (sorted, disjoint), including
 * before the first and after the last span, but never past `nowMs`: the
 * future is not a gap.
 */
export function gapsBetween(spans: readonly Span[], range: TimeRange, nowMs: number): Span[] {
  const limit = Math.min(range.endMs, nowMs);
  const gaps: Span[] = [];
  let at = range.startMs;
  for (const s of spans) {
    if (s.startMs > at && at < limit) gaps.push({ startMs: at, endMs: Math.min(s.startMs, limit) });
    at = Math.max(at, s.endMs);
  }
  if (at < limit) gaps.push({ startMs: at, endMs: limit });
  return gaps;
}

/**
 * Coverage per bucket (an hour or a day) for a month view. Buckets are
 * aligned to the range start, so a client wanting local days asks for a range
 * starting at its local midnight; the last bucket may be shorter.
 */
export function summarize(
  spans: readonly Span[],
  range: TimeRange,
  bucketMs: number,
): SummaryBucket[] {
  const buckets: SummaryBucket[] = [];
  for (let a = range.startMs; a < range.endMs; a += bucketMs) {
    buckets.push({ startMs: a, endMs: Math.min(a + bucketMs, range.endMs), recordedMs: 0 });
  }
  for (const s of spans) {
    let i = Math.max(0, Math.floor((s.startMs - range.startMs) / bucketMs));
    for (; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (b.startMs >= s.endMs) break;
      const overlap = Math.min(b.endMs, s.endMs) - Math.max(b.startMs, s.startMs);
      if (overlap > 0) b.recordedMs += overlap;
    }
  }
  return buckets;
}
