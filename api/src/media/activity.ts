import type { StoredSegment } from "@kiroku/shared";

/**
 * Activity from what is already stored: a segment's bytes per second
 * relative to the median of its recording run. H.264 spends bits on what
 * changes between frames, so with the encoder settings fixed for a run
 * (they are: a run is one ffmpeg), busy stretches (motion, people, cars,
 * rain) take more bytes than still ones. 1 is the run's typical rate, 2 is
 * twice the bytes. No frame is decoded and nothing extra is stored.
 *
 * Limits (README, "Activity"): it is a proxy, not detection. Noise at night
 * and IR switching raise it; a camera's own VBR/CBR settings flatten it
 * (constant bit rate shows almost nothing); a whole run of motion has a
 * busy median, so it reads as 1; a run's median comes from its segments in
 * the answer's range (at least 3, else nothing is said).
 */

/** One segment's activity: its stretch of time and its rate over its run's median. */
export interface SegmentActivity {
  startMs: number;
  endMs: number;
  relative: number;
}

/** Fewest segments of a run in the range for its median to mean anything. */
export const ACTIVITY_MIN_RUN_SEGMENTS = 3;

/** Each sized segment's bytes per second over its run's median (runs with too few segments are left out). */
export function segmentActivity(segments: readonly StoredSegment[]): SegmentActivity[] {
  const byRun = new Map<number, { seg: StoredSegment; rate: number }[]>();
  for (const seg of segments) {
    if (seg.size === undefined || seg.durationMs <= 0) continue;
    const list = byRun.get(seg.run) ?? [];
    list.push({ seg, rate: seg.size / (seg.durationMs / 1000) });
    byRun.set(seg.run, list);
  }
  const out: SegmentActivity[] = [];
  for (const list of byRun.values()) {
    if (list.length < ACTIVITY_MIN_RUN_SEGMENTS) continue;
    const med = median(list.map((x) => x.rate));
    if (med <= 0) continue;
    for (const { seg, rate } of list) {
      out.push({ startMs: seg.startMs, endMs: seg.startMs + seg.durationMs, relative: rate / med });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Activity over a stretch of time: the time-weighted mean and the peak of the segments in it, or null. */
export function activityOver(
  activity: readonly SegmentActivity[],
  span: { startMs: number; endMs: number },
): { mean: number; peak: number } | null {
  let weighted = 0;
  let covered = 0;
  let peak = 0;
  for (const a of activity) {
    const overlap = Math.min(a.endMs, span.endMs) - Math.max(a.startMs, span.startMs);
    if (overlap <= 0) continue;
    weighted += a.relative * overlap;
    covered += overlap;
    peak = Math.max(peak, a.relative);
  }
  if (covered === 0) return null;
  return { mean: round2(weighted / covered), peak: round2(peak) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
