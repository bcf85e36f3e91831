import { FIRST_SEQ } from "@kiroku/shared";

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
 * 3. The window is the newest `size` segments up to the live edge (more when
 *    they hold less than `minDurationMs` of media: RFC 8216 §6.2.2 wants a
 *    live playlist to hold at least three target durations), cut after
 *    the newest lost hole (and after any decrease or jump of more than one in
 *    `run`). Inside it `seq` is consecutive, hence runs are consecutive too, so
 *    `MEDIA-SEQUENCE = first.seq` and `DISCONTINUITY-SEQUENCE = first.run`
 *    with a discontinuity at each run change give every segment `seq`/`run`.
 * 4. The oldest listed segment's predecessor (`seq - 1`) is unlisted: it may
 *    be long past (a channel starting after idle) or still uploading (the
 *    recorder sends the newest segment first). Stateless, the two look the
 *    same, so it counts as a hole like any other: in flight while that
 *    segment is younger than the grace. Only FIRST_SEQ has no predecessor;
 *    the first segment after the counter went down is treated alike.
 *    Serving the chain early would let the predecessor land later and pull
 *    the live edge (and the first media sequence) backwards.
 *
 * So the first media sequence never decreases as long as no upload lands
 * later than `holeGraceMs` after its segment ended. The price is at a run
 * that starts after idle (nothing of the channel listed before it): live
 * shows up `holeGraceMs` after the first segment ends instead of at once.
 * Until then the window is empty and the route answers NOT_LIVE.
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
  minDurationMs = 0,
): T[] {
  if (segments.length === 0 || size < 1) return [];
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs || a.seq - b.seq);
  // Live edge: the last segment before the oldest hole still in flight. A
  // chain start (the oldest listed segment, or the first after the counter
  // went down) misses its predecessor unless its seq is FIRST_SEQ (rule 4).
  let edge = sorted.length - 1;
  for (let i = 0; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i]!;
    const missing = !prev || cur.seq <= prev.seq ? cur.seq > FIRST_SEQ : cur.seq > prev.seq + 1;
    if (missing && cur.startMs + cur.durationMs + holeGraceMs > nowMs) {
      edge = i - 1;
      break;
    }
  }
  if (edge < 0) return [];
  const window: T[] = [sorted[edge]!];
  let held = sorted[edge]!.durationMs;
  // Growing the window back from the edge until both bounds are met keeps the
  // first media sequence monotonic: a window that met them for an older edge
  // still meets them for a newer one, so its first segment can only move on.
  for (let i = edge - 1; i >= 0 && (window.length < size || held < minDurationMs); i--) {
    const cand = sorted[i]!;
    const next = window[0]!;
    const contiguous = next.seq === cand.seq + 1;
    const runStep = next.run - cand.run;
    if (!contiguous || (runStep !== 0 && runStep !== 1)) break;
    window.unshift(cand);
    held += cand.durationMs;
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
