import { clockTime } from "./time-format";
import type { Span } from "./timeline-view";

/**
 * The timeline's activity strip: `recordings`' activity per summary bucket
 * (bytes per second of the segments over their recording run's median,
 * the API's media/activity.ts) as bars along the bottom of the timeline,
 * so busy minutes stand out without playing anything. A bar's height
 * follows the bucket's busiest segment; at BUSY_RELATIVE or more it is
 * drawn in the busy colour. Buckets where nothing can be said (runs too
 * short, nothing recorded) get no bar. It is a proxy for motion, not
 * detection: see the README's Activity section for its limits.
 */

/** Views up to this width get a bar per minute; wider ones a bar per hour. */
export const MINUTE_BARS_MAX_VIEW_MS = 6 * 3_600_000;

/** Relative rate (peak of the bucket) from which a bar is drawn as busy. */
export const BUSY_RELATIVE = 1.5;

/** Relative rate that fills the strip's height (1, the run's usual, is low). */
const FULL_RELATIVE = 3;

export interface ActivityBucket extends Span {
  activity: { mean: number; peak: number } | null;
}

export interface ActivityBar extends Span {
  /** Height as a share of the strip, 0.15 to 1. */
  level: number;
  busy: boolean;
  /** What the bar says, for its tooltip. */
  label: string;
}

/** The summary bucket the page asks `recordings` for a view this wide. */
export function summaryFor(viewMs: number): "minute" | "hour" {
  return viewMs <= MINUTE_BARS_MAX_VIEW_MS ? "minute" : "hour";
}

/** One bar per bucket that has an activity. */
export function activityBars(buckets: readonly ActivityBucket[]): ActivityBar[] {
  const bars: ActivityBar[] = [];
  for (const b of buckets) {
    if (!b.activity) continue;
    const { mean, peak } = b.activity;
    const share = (peak - 1) / (FULL_RELATIVE - 1);
    bars.push({
      startMs: b.startMs,
      endMs: b.endMs,
      level: Math.min(1, Math.max(0.15, share)),
      busy: peak >= BUSY_RELATIVE,
      label: `${clockTime(b.startMs).slice(0, 5)}–${clockTime(b.endMs).slice(0, 5)}: activity ${peak.toFixed(1)}× the usual at its busiest (${mean.toFixed(1)}× on average)`,
    });
  }
  return bars;
}
