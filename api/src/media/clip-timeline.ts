/**
 * Where each segment's packets land on an MP4 clip's timeline. Pure
 * functions over packet times (seconds), so the rules are tested without
 * media.
 *
 * A segment that follows the previous one in the same run (next sequence
 * number, timestamps going on) keeps the run's shift, so its own
 * timestamps carry the exact spacing; otherwise (a restart, a missing
 * segment, a timestamp wrap) it starts a new piece right where the clip
 * ends so far, leaving the gap out.
 */

/** The timeline after the segments placed so far. */
export interface Timeline {
  run: number;
  seq: number;
  /** Seconds added to the last segment's packet times. */
  shift: number;
  /** Where the clip's timeline ends so far (seconds). */
  end: number;
  /** The latest packet end of the last segment, in its own time (to catch a timestamp wrap). */
  inputEnd: number;
}

/**
 * The shift of a segment's packet times: `first` is its earliest packet
 * time kept (over all tracks). The first segment starts the clip at 0.
 */
export function shiftFor(
  timeline: Timeline | undefined,
  segment: { run: number; seq: number },
  first: number,
): number {
  if (!timeline) return -first;
  const continues =
    segment.run === timeline.run &&
    segment.seq === timeline.seq + 1 &&
    first >= timeline.inputEnd - 1;
  return continues ? timeline.shift : timeline.end - first;
}

/** The timeline once a segment's packets, shifted by `shift`, ended at `inputEnd` in its own time. */
export function advance(
  timeline: Timeline | undefined,
  segment: { run: number; seq: number },
  shift: number,
  inputEnd: number,
): Timeline {
  return {
    run: segment.run,
    seq: segment.seq,
    shift,
    end: Math.max(timeline?.end ?? 0, inputEnd + shift),
    inputEnd,
  };
}
