/**
 * Range-listing cost: a 24 h range out of 7 days of 30 s segments stored in
 * the embedded S3 server, listed by the planner (StartAfter scan) versus the
 * naive way (list the whole channel prefix, then filter). Same server, same
 * run; medians of several rounds; prints JSON on its last line.
 *
 * The seeded bucket (20,160 objects) is kept in .kiroku/bench/range-7d so a
 * second run skips the ~1 minute of PUTs.
 */
import { alternate, median, openRangeBench } from "../../test/helpers/range-bench";
import { measureListing, naiveListRange } from "../../test/helpers/seed-keys";
import { listSegmentsInRange } from "../src/index";

const { server, settings, range, stored, rounds } = await openRangeBench();

async function planner() {
  const { ms, requests, result } = await measureListing(settings, (s3) =>
    listSegmentsInRange({ s3, ...range, lookbackMs: 70_000 }),
  );
  return { ms, requests, found: result.segments.length };
}

async function naive() {
  const { ms, requests, result } = await measureListing(settings, (s3) =>
    naiveListRange(s3, range),
  );
  return { ms, requests, found: result };
}

const [ours, theirs] = await alternate(rounds, planner, naive);
await server.stop();

const n = ours[0]!.found;
if (ours.some((r) => r.found !== n) || theirs.some((r) => r.found !== n))
  throw new Error("planner and naive listing disagree");
const plannerMs = median(ours.map((r) => r.ms));
const naiveMs = median(theirs.map((r) => r.ms));
const result = {
  stored,
  segmentsInRange: n,
  plannerRequests: ours[0]!.requests,
  requestBound: Math.ceil(n / 1000) + 1,
  naiveRequests: theirs[0]!.requests,
  plannerMedianMs: Math.round(plannerMs),
  naiveMedianMs: Math.round(naiveMs),
  speedup: Number((naiveMs / plannerMs).toFixed(2)),
  rounds,
};
console.log(
  `24 h of ${result.stored} stored: planner ${result.plannerRequests} requests / ${result.plannerMedianMs} ms, naive ${result.naiveRequests} requests / ${result.naiveMedianMs} ms, ${result.speedup}× faster`,
);
console.log(JSON.stringify(result));
