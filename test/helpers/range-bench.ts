import path from "node:path";
import { openSeededBucket } from "./seed-keys";

/**
 * The bucket both range-listing benchmarks read (shared/bench and api/bench):
 * 7 days of 30 s segments of one channel (20,160 objects), seeded once into
 * .kiroku/bench/range-7d (~1 minute of PUTs) and kept, so both scripts must
 * share this one layout. The range is 24 h from mid-week, not on a boundary.
 */
export async function openRangeBench() {
  const bucket = "bench";
  const movieKey = "movie";
  const channel = "cam1";
  const days = 7;
  const firstDay = Date.parse("2026-11-01T00:00:00Z");
  const { server, settings } = await openSeededBucket({
    dir: path.resolve(".kiroku/bench/range-7d"),
    bucket,
    movieKey,
    channel,
    startMs: firstDay,
    days,
  });
  const startMs = firstDay + 3 * 86_400_000 + 12 * 3_600_000 + 15_000;
  return {
    server,
    settings,
    /** What `naiveListRange` and the planner take. */
    range: { bucket, movieKey, channel, startMs, endMs: startMs + 86_400_000 },
    stored: days * 2880,
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  };
}

/**
 * `rounds` of `a` and `b`, alternating which goes first so neither side
 * always runs on a warmer server.
 */
export async function alternate<A, B>(
  rounds: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A[], B[]]> {
  const as: A[] = [];
  const bs: B[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return [as, bs];
}

export { median } from "./median";

/**
 * The month bucket of the 31-day benchmarks (api/bench/lambda-month.ts and
 * api/bench/day-index.ts): 31 days of 30 s segments of `cam1` from
 * 2026-09-01 (89,280 objects), seeded once into .kiroku/bench/range-31d
 * (several minutes of PUTs) and kept, so both must share this layout.
 */
export async function openMonthBench() {
  const bucket = "bench";
  const channel = "cam1";
  const firstDay = Date.parse("2026-09-01T00:00:00Z");
  const { server, settings } = await openSeededBucket({
    dir: path.resolve(".kiroku/bench/range-31d"),
    bucket,
    movieKey: "movie",
    channel,
    startMs: firstDay,
    days: 31,
  });
  return { server, settings, bucket, channel, firstDay };
}
