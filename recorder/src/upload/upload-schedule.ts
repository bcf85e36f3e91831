import { oldestFirst } from "../spool/completed-segment";
/**
 * The uploader's scheduling rule as pure functions, so "live stays fresh" is
 * tested without S3, files or timers (upload-schedule.test.ts).
 *
 * - Slot 1 is the live slot: it always takes the segment that arrived last
 *   (last in, first out), so after an outage the newest segment goes up
 *   first and a new segment never waits behind a backlog.
 * - The other `concurrency - 1` slots drain the backlog oldest first (by
 *   start time, then sequence number), so the bucket fills in from the
 *   beginning of the gap. With concurrency 1 there is only the live slot.
 * - A segment waiting for its own retry (`notBeforeMs` in the future) or
 *   already in flight is skipped.
 * - While the store is failing (health not `ok`), nothing starts before
 *   `blockedUntilMs`, and only one attempt is out at a time: a probe, which
 *   is the live slot's pick, the newest segment.
 */
export interface Schedulable {
  /** Arrival order (higher = handed over later). */
  arrival: number;
  startMs: number;
  seq: number;
  /** Earliest time of the next attempt (epoch ms; 0 = now). */
  notBeforeMs: number;
  /** Set while an attempt is out. */
  inFlight?: unknown;
}

/** The uploader's state that decides what may start now. */
export interface ScheduleState<T extends Schedulable> {
  items: Iterable<T>;
  now: number;
  /** Attempts out now. */
  active: number;
  concurrency: number;
  /** Is the live slot taken? */
  liveBusy: boolean;
  /** No attempt starts before this (store backoff). */
  blockedUntilMs: number;
  /** False while the store fails (retrying or error): one probe at a time. */
  storeOk: boolean;
}

/** The segment a free slot takes now, or undefined when none is eligible. */
export function pickNext<T extends Schedulable>(
  items: Iterable<T>,
  live: boolean,
  now: number,
): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (item.inFlight || item.notBeforeMs > now) continue;
    if (!best) best = item;
    else if (live ? item.arrival > best.arrival : oldestFirst(item, best) < 0) best = item;
  }
  return best;
}

/**
 * What to start now, in order, each with the slot it takes. Does not change
 * the items: the caller marks them in flight as it starts them.
 */
export function planStarts<T extends Schedulable>(
  state: ScheduleState<T>,
): { item: T; live: boolean }[] {
  const out: { item: T; live: boolean }[] = [];
  if (state.now < state.blockedUntilMs) return out;
  const taken = new Set<T>();
  const eligible = [...state.items].filter((i) => !i.inFlight && i.notBeforeMs <= state.now);
  let active = state.active;
  let liveBusy = state.liveBusy;
  while (active < state.concurrency) {
    if (!state.storeOk && active > 0) break;
    const live = !liveBusy;
    const item = pickNext(
      eligible.filter((i) => !taken.has(i)),
      live,
      state.now,
    );
    if (!item) break;
    taken.add(item);
    out.push({ item, live });
    active++;
    if (live) liveBusy = true;
  }
  return out;
}

/**
 * When the pump must wake to start a waiting segment that is not due yet
 * (epoch ms), or undefined when there is nothing to wait for: no free slot,
 * nothing waiting, or something is due already.
 */
export function nextWakeAt<T extends Schedulable>(state: ScheduleState<T>): number | undefined {
  if (state.active >= state.concurrency) return undefined;
  let at = Number.POSITIVE_INFINITY;
  for (const item of state.items) {
    if (!item.inFlight) at = Math.min(at, Math.max(item.notBeforeMs, state.blockedUntilMs));
  }
  return at === Number.POSITIVE_INFINITY || at <= state.now ? undefined : at;
}
