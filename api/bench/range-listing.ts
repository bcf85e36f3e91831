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
 * shared/bench/range-listing.ts (same layout and marker).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createS3Client, overlaps, parseSegmentKey } from "@kiroku/shared";
import { startS3Server } from "../../shared/src/s3-server";
import { countCommands, seedSegmentKeys } from "../../test/helpers/seed-keys";
import { parseApiConfig } from "../src/api-config";
import { createApp } from "../src/app";

const bucket = "bench";
const movieKey = "movie";
const channel = "cam1";
const days = 7;
const firstDay = Date.parse("2026-11-01T00:00:00Z");
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const dir = path.resolve(".kiroku/bench/range-7d");
const marker = path.join(dir, "seeded.json");

await mkdir(dir, { recursive: true });
const server = await startS3Server({ dir, bucket });
const settings = {
  bucket,
  region: "us-east-1",
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: server.credentials,
};
if (!existsSync(marker)) {
  const t0 = performance.now();
  const s3 = createS3Client(settings);
  await seedSegmentKeys({ s3, bucket, movieKey, channel, startMs: firstDay, days });
  s3.destroy();
  await writeFile(marker, JSON.stringify({ days, firstDay }));
  console.log(`seeded ${days * 2880} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const startMs = firstDay + 3 * 86_400_000 + 12 * 3_600_000 + 15_000; // mid-week, not on a boundary
const endMs = startMs + 86_400_000;
const config = parseApiConfig({
  S3_BUCKETNAME: bucket,
  S3_ENDPOINT: server.endpoint,
  AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  API_TOKEN: "bench-token-0123456789",
  TARGET_DURATION: "30",
});

async function api() {
  const s3 = createS3Client(settings);
  const counts = countCommands(s3);
  const app = createApp({ config, s3 });
  const t0 = performance.now();
  const res = await app.request(`/v1/channels/${channel}/vod.m3u8?start=${startMs}&end=${endMs}`, {
    headers: { Authorization: "Bearer bench-token-0123456789" },
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  s3.destroy();
  if (res.status !== 200) throw new Error(`vod.m3u8 answered ${res.status}: ${text}`);
  const found = text.split("\n").filter((l) => l.startsWith("#EXTINF")).length;
  return { ms, requests: counts.get("ListObjectsV2Command") ?? 0, found };
}

async function naive() {
  const s3 = createS3Client(settings);
  const counts = countCommands(s3);
  const t0 = performance.now();
  let token: string | undefined;
  let found = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: `${movieKey}/${channel}/`,
        ContinuationToken: token,
      }),
    );
    for (const obj of page.Contents ?? []) {
      const seg = obj.Key ? parseSegmentKey(movieKey, obj.Key) : undefined;
      if (seg && overlaps(seg.startMs, seg.durationMs, startMs, endMs)) found++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const ms = performance.now() - t0;
  s3.destroy();
  return { ms, requests: counts.get("ListObjectsV2Command") ?? 0, found };
}

const ours: Awaited<ReturnType<typeof api>>[] = [];
const theirs: Awaited<ReturnType<typeof naive>>[] = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    ours.push(await api());
    theirs.push(await naive());
  } else {
    theirs.push(await naive());
    ours.push(await api());
  }
}
await server.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const n = theirs[0]!.found;
if (ours.some((r) => r.found !== n) || theirs.some((r) => r.found !== n)) {
  throw new Error(
    `the playlist and the naive listing disagree: ${ours[0]!.found} vs ${n} segments`,
  );
}
const apiMs = median(ours.map((r) => r.ms));
const naiveMs = median(theirs.map((r) => r.ms));
const result = {
  stored: days * 2880,
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
