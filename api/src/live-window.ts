/**
 * Which segments form the live window. The rule keeps every segment's media
 * sequence number (its `seq`) and discontinuity sequence number (its `run`)
 * identical on every reload, with no state in the API:
 *
 * 1. Segments are taken in key (start time) order. The recorder's `seq` is
 *    a per-channel counter, +1 per segment, and runs are numbered
 *    consecutively (only runs with segments exist). A `seq` that goes down
 *    means the recorder lost its counters: the window starts after it.
 * 2. A hole in `seq` (a segment not in the bucket) is either still in flight
 *    (uploads can finish out of order) or lost (dropped on a full disk). It
 *    counts as lost once the segment after it ended more than `holeGraceMs`
 *    ago. The live edge stops just before the oldest hole still in flight,
 *    so a late upload never lands inside a window that was already served.
 * 3. The window is the newest `size` segments up to the live edge, cut after
 *    the newest lost hole (and after any decrease or jump of more than one in
 *    `run`). Inside it `seq` is consecutive, hence runs are consecutive too, so
 *    `MEDIA-SEQUENCE = first.seq` and `DISCONTINUITY-SEQUENCE = first.run`
 *    with a discontinuity at each run change give every segment `seq`/`run`.
 *
 * The first media sequence never decreases as long as a lost hole is not
 * filled after its grace (an upload later than `holeGraceMs`), with one
 * exception: when the window starts at the oldest listed segment (a channel
 * starting after idle), a missing predecessor is indistinguishable from one
 * recorded long ago, so a predecessor landing late grows the window
 * backwards. Waiting the grace at every start would delay live by
 * TARGET_DURATION + 10 s; in-order uploads never hit this.
 */
export interface LiveCandidate {
  seq: number;
  run: number;
  startMs: number;
  durationMs: number;
}

export function selectLiveWindow<T extends LiveCandidate>(
  segments: readonly T[],
  size: number,
  nowMs: number,
  holeGraceMs: number,
): T[] {
  if (segments.length === 0 || size < 1) return [];
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs || a.seq - b.seq);
  // Live edge: the last segment before the oldest hole still in flight.
  let edge = sorted.length - 1;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.seq > prev.seq + 1 && cur.startMs + cur.durationMs + holeGraceMs > nowMs) {
      edge = i - 1;
      break;
    }
  }
  const window: T[] = [sorted[edge]!];
  for (let i = edge - 1; i >= 0 && window.length < size; i--) {
    const cand = sorted[i]!;
    const next = window[0]!;
    const contiguous = next.seq === cand.seq + 1;
    const runStep = next.run - cand.run;
    if (!contiguous || (runStep !== 0 && runStep !== 1)) break;
    window.unshift(cand);
  }
  return window;
}

/** How long a hole in the sequence may wait for its late upload before the live edge moves past it. */
export function liveHoleGraceMs(targetDurationSeconds: number): number {
  return targetDurationSeconds * 1000 + 10_000;
}

/**
 * The start-time range the live playlist lists: enough history for the window
 * behind a few lost segments and in-flight holes, and up to a minute of a
 * recorder clock running ahead of ours. Never the channel's whole history.
 */
export function liveListingRange(
  nowMs: number,
  targetDurationSeconds: number,
  windowSize: number,
): { startMs: number; endMs: number } {
  const td = targetDurationSeconds * 1000;
  return {
    startMs: nowMs - (3 * windowSize + 3) * td - liveHoleGraceMs(targetDurationSeconds),
    endMs: nowMs + td + 60_000,
  };
}
