/**
 * Range-listing cost: a 24 h range out of 7 days of 30 s segments stored in
 * the embedded S3 server, listed by the planner (StartAfter scan) versus the
 * naive way (list the whole channel prefix, then filter). Same server, same
 * run; medians of several rounds; prints JSON on its last line.
 *
 * The seeded bucket (20,160 objects) is kept in .kiroku/bench/range-7d so a
 * second run skips the ~1 minute of PUTs.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { countCommands, seedSegmentKeys } from "../../test/helpers/seed-keys";
import { createS3Client, listSegmentsInRange, overlaps, parseSegmentKey } from "../src/index";
import { startS3Server } from "../src/s3-server";

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
const s3 = createS3Client(settings);
if (!existsSync(marker)) {
  const t0 = performance.now();
  await seedSegmentKeys({ s3, bucket, movieKey, channel, startMs: firstDay, days });
  await writeFile(marker, JSON.stringify({ days, firstDay }));
  console.log(`seeded ${days * 2880} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const startMs = firstDay + 3 * 86_400_000 + 12 * 3_600_000 + 15_000; // mid-week, not on a boundary
const endMs = startMs + 86_400_000;

async function planner() {
  const client = createS3Client(settings);
  const counts = countCommands(client);
  const t0 = performance.now();
  const { segments } = await listSegmentsInRange({
    s3: client,
    bucket,
    movieKey,
    channel,
    startMs,
    endMs,
    lookbackMs: 70_000,
  });
  const ms = performance.now() - t0;
  client.destroy();
  return { ms, requests: counts.get("ListObjectsV2Command") ?? 0, found: segments.length };
}

async function naive() {
  const client = createS3Client(settings);
  const counts = countCommands(client);
  const t0 = performance.now();
  let token: string | undefined;
  let found = 0;
  do {
    const page = await client.send(
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
  client.destroy();
  return { ms, requests: counts.get("ListObjectsV2Command") ?? 0, found };
}

const ours: Awaited<ReturnType<typeof planner>>[] = [];
const theirs: Awaited<ReturnType<typeof naive>>[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate the order so neither side always runs on a warmer server.
  if (i % 2 === 0) {
    ours.push(await planner());
    theirs.push(await naive());
  } else {
    theirs.push(await naive());
    ours.push(await planner());
  }
}
s3.destroy();
await server.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const n = ours[0]!.found;
if (ours.some((r) => r.found !== n) || theirs.some((r) => r.found !== n))
  throw new Error("planner and naive listing disagree");
const plannerMs = median(ours.map((r) => r.ms));
const naiveMs = median(theirs.map((r) => r.ms));
const result = {
  stored: days * 2880,
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
