import { DAY_MS, mapLimit, overlaps, type StoredSegment, utcDayStart } from "@kiroku/shared";
import { type ApiDeps, listRange, lookbackMs } from "../access/context";
import { API_DEFAULTS } from "../api-defaults";
import { getStatus } from "../channels/channel-store";
import { cachedMeta } from "../channels/meta-cache";
import type { TimeRange } from "../http/time-range";
import { pendingFromMs } from "./upload-backlog";

/** How a range is read: whole days from their index, then the rest from one listing. */
export interface IndexedRangePlan {
  /** UTC midnights of the final days whose segments can overlap the range, oldest first. */
  days: number[];
  /**
   * The part of the range after the last final day, listed as usual;
   * `keepFromMs`: segments starting before it come from a day index
   * (a listing's lookback reaches into the day before).
   */
  rest?: { range: TimeRange; keepFromMs: number };
}

/**
 * Splits a range at the end of its last final day. A day is final when
 * nothing can still be uploaded into it: it ended at least `lookbackMs` ago
 * and the recorder's heartbeat has nothing pending from before its end
 * (upload-backlog.ts): every day ending at or before `sealedBeforeMs`.
 * Days are those that hold segments that can overlap the range (the start
 * minus the lookback, as a listing reads it). A day is the unit of the
 * index, so a range starting late in a day still reads that whole day's
 * (small) index.
 */
export function planIndexedRange(
  range: TimeRange,
  lookback: number,
  sealedBeforeMs: number,
): IndexedRangePlan {
  const days: number[] = [];
  let day = utcDayStart(Math.max(0, range.startMs - lookback));
  for (; day < range.endMs && day + DAY_MS <= sealedBeforeMs; day += DAY_MS) days.push(day);
  if (day >= range.endMs) return { days };
  return {
    days,
    rest: { range: { startMs: Math.max(day, range.startMs), endMs: range.endMs }, keepFromMs: day },
  };
}

/**
 * The channel's segments overlapping `range`, reading final days from their
 * per-day index (built from a listing the first time, access/day-indexes.ts)
 * and only the rest of the range (today, a day whose backlog is still being
 * uploaded) from a listing: a 31-day range is ~31 small GETs plus today's
 * listing instead of ~94 LIST pages. When the heartbeat cannot be read no
 * day counts as final and the whole range is listed.
 */
export async function listRangeByDays(
  deps: ApiDeps,
  channel: string,
  range: TimeRange,
): Promise<StoredSegment[]> {
  const dayIndexes = deps.dayIndexes;
  if (!dayIndexes) return listRange(deps, channel, range);
  const now = deps.now();
  const lookback = lookbackMs(deps.config);
  let sealedBefore = Number.NEGATIVE_INFINITY;
  try {
    const status = await cachedMeta(deps, `status|${channel}`, () => getStatus(deps, channel));
    sealedBefore = Math.min(pendingFromMs(status, now), now - lookback);
  } catch (err) {
    deps.logger.warn({ channel, err }, "cannot read the channel's heartbeat; listing every day");
  }
  const plan = planIndexedRange(range, lookback, sealedBefore);
  const [indexed, rest] = await Promise.all([
    mapLimit(plan.days, API_DEFAULTS.DAY_INDEX_CONCURRENCY, (day) => dayIndexes.day(channel, day)),
    plan.rest ? listRange(deps, channel, plan.rest.range) : [],
  ]);
  const keepFrom = plan.rest?.keepFromMs ?? Number.NEGATIVE_INFINITY;
  return [...indexed.flat(), ...rest.filter((s) => s.startMs >= keepFrom)].filter((s) =>
    overlaps(s.startMs, s.durationMs, range.startMs, range.endMs),
  );
}

/**
 * `listRangeByDays` through the instance's shared listings: concurrent
 * requests for the same range share one read, a finished range (`final`)
 * is kept in memory until its recordings are deleted, an unfinished one is
 * read at most once per request. The work is shared, so a request's abort
 * does not stop it.
 */
export function listRangeShared(
  deps: ApiDeps,
  channel: string,
  range: TimeRange,
  final: boolean,
): Promise<StoredSegment[]> {
  return deps.listings.range(channel, range, final, (r) => listRangeByDays(deps, channel, r));
}
