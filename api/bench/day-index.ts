/**
 * A 31-day range playlist with and without day indexes, in one run: 31
 * days of 30 s segments (89,280 keys, the bucket of lambda-month.ts in
 * .kiroku/bench/range-31d) in the embedded S3 server behind a
 * request-counting proxy, each round a fresh app (a cold instance):
 *
 * - listing: every day listed (day indexes off), as before them;
 * - first: day indexes on, none in the bucket yet (the first request of a
 *   month lists it once and writes 32 indexes);
 * - indexed: day indexes in the bucket (every later cold instance).
 *
 * The playlists must name the same segments. Then a 7-day day summary cold
 * on indexes, and the peak RSS (VmHWM) of the built API as a process of its
 * own serving five different 31-day playlists. S3_WORK_TIMEOUT is raised so
 * the listing side can be timed at all (at the default 25 s it may answer
 * 503). Medians of BENCH_ROUNDS (default 3); JSON on the last line.
 */
import { readFile } from "node:fs/promises";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { createS3Client, DAY_MS, dayIndexPrefix } from "@kiroku/shared";
import { startApiProcess } from "../../test/helpers/api-server";
import { median } from "../../test/helpers/median";
import { openMonthBench } from "../../test/helpers/range-bench";
import { listAll } from "../../test/helpers/s3";
import { startS3RequestCounter } from "../../test/helpers/s3-request-counter";
import { parseApiConfig } from "../src/api-config";
import { createApp } from "../src/app";

const TOKEN = "bench-token-0123456789";
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const { server, settings, bucket, channel, firstDay } = await openMonthBench();
const counter = await startS3RequestCounter(server.endpoint);
const env = {
  S3_BUCKETNAME: bucket,
  S3_ENDPOINT: counter.endpoint,
  AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  API_TOKEN: TOKEN,
  TARGET_DURATION: "30",
  MAX_RANGE_HOURS: "744",
  S3_WORK_TIMEOUT: "600",
};
const config = parseApiConfig(env);
const s3 = createS3Client({ ...settings, endpoint: counter.endpoint });
const direct = createS3Client(settings);
const headers = { Authorization: `Bearer ${TOKEN}` };
const monthQuery = `start=${firstDay}&end=${firstDay + 31 * DAY_MS}`;

/** Removes every day index of the channel (not counted: it talks to the server directly). */
async function dropIndexes(): Promise<void> {
  const keys = (await listAll(direct, bucket, dayIndexPrefix("movie", channel))).map((o) => o.key);
  if (keys.length === 0) return;
  await direct.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
    }),
  );
}

/** One cold request through a fresh app: time, requests by kind, the segment paths it names. */
async function coldRequest(url: string, dayIndexes: boolean) {
  const app = createApp({ config, s3, dayIndexes });
  counter.reset();
  const t0 = performance.now();
  const res = await app.request(url, { headers });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  const paths = text
    .split("\n")
    .filter((l) => l.startsWith("http"))
    .map((l) => new URL(l).pathname);
  return {
    ms,
    lists: counter.count("LIST"),
    gets: counter.count("GET"),
    puts: counter.count("PUT"),
    requests: counter.requests.length,
    paths,
    text,
  };
}

const playlist = (dayIndexes: boolean) =>
  coldRequest(`/v1/channels/${channel}/vod.m3u8?${monthQuery}`, dayIndexes);

try {
  const listing: Awaited<ReturnType<typeof playlist>>[] = [];
  const first: typeof listing = [];
  const indexed: typeof listing = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which side goes first, so neither always meets a warmer server.
    if (i % 2 === 0) listing.push(await playlist(false));
    await dropIndexes();
    first.push(await playlist(true));
    indexed.push(await playlist(true));
    if (i % 2 === 1) listing.push(await playlist(false));
  }
  const expected = listing[0]!.paths;
  for (const r of [...listing, ...first, ...indexed]) {
    if (r.paths.length !== expected.length || r.paths.some((p, i) => p !== expected[i]))
      throw new Error("a playlist from day indexes differs from the listed one");
  }
  const week = `start=${firstDay + 7 * DAY_MS}&end=${firstDay + 14 * DAY_MS}&summary=day`;
  const summaryListing = await coldRequest(`/v1/channels/${channel}/recordings?${week}`, false);
  const summaryIndexed = await coldRequest(`/v1/channels/${channel}/recordings?${week}`, true);
  if (summaryListing.text !== summaryIndexed.text)
    throw new Error("the 7-day summary from day indexes differs from the listed one");

  const ms = (rs: typeof listing) => Math.round(median(rs.map((r) => r.ms)));
  const result = {
    segments: expected.length,
    listingColdMs: ms(listing),
    listingLists: listing[0]!.lists,
    firstColdMs: ms(first),
    firstLists: first[0]!.lists,
    firstPuts: first[0]!.puts,
    indexedColdMs: ms(indexed),
    indexedGets: indexed[0]!.gets,
    indexedLists: indexed[0]!.lists,
    indexedRequests: indexed[0]!.requests,
    speedup: Number((ms(listing) / ms(indexed)).toFixed(1)),
    weekSummaryListingMs: Math.round(summaryListing.ms),
    weekSummaryListingLists: summaryListing.lists,
    weekSummaryIndexedMs: Math.round(summaryIndexed.ms),
    weekSummaryIndexedGets: summaryIndexed.gets,
    weekSummaryIndexedLists: summaryIndexed.lists,
    apiPeakRssMB: 0,
    targetIndexedColdMs: 3000,
    targetPeakRssMB: 200,
    rounds,
  };
  console.error(JSON.stringify(result)); // kept in the log if the RSS part fails
  console.log(
    `31-day playlist (${result.segments} segments), cold: listing ${result.listingColdMs} ms / ${result.listingLists} LISTs; first with indexes ${result.firstColdMs} ms / ${result.firstLists} LISTs + ${result.firstPuts} PUTs; indexed ${result.indexedColdMs} ms / ${result.indexedGets} GETs + ${result.indexedLists} LISTs: ${result.speedup}x faster`,
  );
  // Peak RSS of the API as it ships, serving five different 31-day playlists cold.
  const api = await startApiProcess(env, { built: true });

  try {
    for (let k = 0; k < 5; k++) {
      const res = await fetch(
        `${api.url}/v1/channels/${channel}/vod.m3u8?start=${firstDay + k * 60_000}&end=${firstDay + 31 * DAY_MS - k * 60_000}`,
        { headers: { ...headers, "Accept-Encoding": "gzip" } },
      );
      if (res.status !== 200) throw new Error(`API process answered ${res.status}`);
      await res.arrayBuffer();
    }
    const status = await readFile(`/proc/${api.child.pid}/status`, "utf8");
    result.apiPeakRssMB = Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024);
  } finally {
    await api.stop();
  }

  console.log(
    `7-day day summary, cold: listing ${result.weekSummaryListingMs} ms / ${result.weekSummaryListingLists} LISTs, indexed ${result.weekSummaryIndexedMs} ms / ${result.weekSummaryIndexedGets} GETs; API peak RSS over five 31-day playlists ${result.apiPeakRssMB} MB (target < 200)`,
  );
  console.log(JSON.stringify(result));
} finally {
  s3.destroy();
  direct.destroy();
  await counter.close();
  await server.stop();
}
