import type { StoredSegment } from "@kiroku/shared";
import type { TimeRange } from "../http/time-range";

export interface DeletionPlan {
  /** Segments entirely inside the range: these are deleted. */
  inside: StoredSegment[];
  /** Segments overlapping a bound: kept (deleting them would remove time outside the range). */
  straddling: StoredSegment[];
}

/**
 * Splits the segments overlapping a range into those entirely inside it
 * (start ≥ range start and end ≤ range end) and those crossing a bound.
 * Deleting never removes a moment the caller did not ask to remove: a
 * segment straddling a bound is kept and reported, and the caller can widen
 * the range if that is what they want.
 */
export function planDeletion(segments: readonly StoredSegment[], range: TimeRange): DeletionPlan {
  const inside: StoredSegment[] = [];
  const straddling: StoredSegment[] = [];
  for (const s of segments) {
    const end = s.startMs + s.durationMs;
    if (s.startMs >= range.endMs || end <= range.startMs) continue; // not in the range at all
    if (s.startMs >= range.startMs && end <= range.endMs) inside.push(s);
    else straddling.push(s);
  }
  return { inside, straddling };
}
