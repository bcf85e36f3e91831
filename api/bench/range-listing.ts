/**
 * The API's range playlist over a big bucket: a 24 h range (2,880 segments of
 * 30 s) out of 7 days stored (20,160 objects) in the embedded S3 server. One
 * full `vod.m3u8` request through the app (planned listing, presigning,
 * rendering) versus only the naive way of listing (the whole channel prefix,
 * then filter) — the API side does strictly more work and still has to win.
 * Each round uses a fresh app (no playlist cache). Ratio of medians from one
 * run; prints JSON on its last line.
 *
 * Seeds .kiroku/bench/range-7d once (~70 s of PUTs), shared with
 * shared/bench/range-listing.ts (openRangeBench: same layout and marker).
 */
import { alternate, median, openRangeBench } from "../../test/helpers/range-bench";
import { measureListing, naiveListRange } from "../../test/helpers/seed-keys";
import { parseApiConfig } from "../src/api-config";
import { createApp } from "../src/app";

const { server, settings, range, stored, rounds } = await openRangeBench();
const { channel, startMs, endMs } = range;
const config = parseApiConfig({
  S3_BUCKETNAME: settings.bucket,
  S3_ENDPOINT: server.endpoint,
  AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  API_TOKEN: "bench-token-0123456789",
  TARGET_DURATION: "30",
});

async function api() {
  const { ms, requests, result } = await measureListing(settings, async (s3) => {
    const app = createApp({ config, s3 });
    const res = await app.request(
      `/v1/channels/${channel}/vod.m3u8?start=${startMs}&end=${endMs}`,
      { headers: { Authorization: "Bearer bench-token-0123456789" } },
    );
    return { status: res.status, text: await res.text() };
  });
  if (result.status !== 200) throw new Error(`vod.m3u8 answered ${result.status}: ${result.text}`);
  const found = result.text.split("\n").filter((l) => l.startsWith("#EXTINF")).length;
  return { ms, requests, found };
}

async function naive() {
  const { ms, requests, result } = await measureListing(settings, (s3) =>
    naiveListRange(s3, range),
  );
  return { ms, requests, found: result };
}

const [ours, theirs] = await alternate(rounds, api, naive);
await server.stop();

const n = theirs[0]!.found;
if (ours.some((r) => r.found !== n) || theirs.some((r) => r.found !== n)) {
  throw new Error(
    `the playlist and the naive listing disagree: ${ours[0]!.found} vs ${n} segments`,
  );
}
const apiMs = median(ours.map((r) => r.ms));
const naiveMs = median(theirs.map((r) => r.ms));
const result = {
  stored,
  segmentsInRange: n,
  apiListRequests: ours[0]!.requests,
  requestBound: Math.ceil(n / 1000) + 1,
  naiveListRequests: theirs[0]!.requests,
  apiPlaylistMedianMs: Math.round(apiMs),
  naiveListingMedianMs: Math.round(naiveMs),
  speedup: Number((naiveMs / apiMs).toFixed(2)),
  rounds,
};
console.log(
  `vod.m3u8 for 24 h of ${result.stored} stored: ${result.apiListRequests} list requests / ${result.apiPlaylistMedianMs} ms for the whole playlist; naive listing alone ${result.naiveListRequests} requests / ${result.naiveListingMedianMs} ms: ${result.speedup}x faster`,
);
console.log(JSON.stringify(result));
