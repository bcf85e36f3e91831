// What live viewers cost in S3 requests: VIEWERS (default 100) players each
// reload a channel's live.m3u8 every TARGET_DURATION (30 s) from their own
// phase, for BENCH_SECONDS (default 300) of the API's clock, against the
// embedded S3 server behind a request-counting proxy
// (test/helpers/s3-request-counter.ts). The clock is pinned and moved in
// 100 ms steps, so the count depends on the code, not on this machine's
// speed. Before listings were shared, every reload was one LIST; now a
// channel's live listing is shared by every viewer and refreshed at most
// once per listing refresh (a quarter of the target duration). Then the
// same for a range playlist: 10 identical cold requests at once against
// one alone. Prints JSON on its last line.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createS3Client } from "@kiroku/shared";
import { startS3Server } from "@kiroku/shared/s3-server";
import { startS3RequestCounter } from "../../test/helpers/s3-request-counter";
import { seedSegmentKeys } from "../../test/helpers/seed-keys";
import { parseApiConfig } from "../src/api-config";
import { listingRefreshMs } from "../src/api-defaults";
import { createApp } from "../src/app";

const viewers = Number(process.env.VIEWERS ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 300);
const TD = 30;
const TOKEN = "bench-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };

const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-viewer-cost-"));
const server = await startS3Server({ dir, bucket: "viewer-cost" });
const counter = await startS3RequestCounter(server.endpoint);
const settings = {
  bucket: "viewer-cost",
  region: "us-east-1",
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: server.credentials,
};
const seeder = createS3Client(settings);
const client = createS3Client({ ...settings, endpoint: counter.endpoint });
const env = {
  S3_BUCKETNAME: settings.bucket,
  S3_ENDPOINT: counter.endpoint,
  AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  API_TOKEN: TOKEN,
  TARGET_DURATION: String(TD),
};

try {
  // Live: segments from 5 minutes before the pinned clock to the end of the run.
  const t0 = Date.parse("2026-10-07T12:00:00.000Z");
  await seedSegmentKeys({
    s3: seeder,
    bucket: settings.bucket,
    movieKey: "movie",
    channel: "live",
    startMs: t0 - 300_000,
    days: (seconds * 1000 + 360_000) / 86_400_000,
  });
  let now = t0;
  const api = createApp({ config: parseApiConfig(env), s3: client, now: () => now });
  const periodTicks = TD * 10;
  const phase = Array.from({ length: viewers }, (_, i) => (i * 7919) % periodTicks);
  const etags = new Map<number, string>();
  let requests = 0;
  let notModified = 0;
  counter.reset();
  for (let tick = 0; tick < seconds * 10; tick++) {
    now = t0 + tick * 100;
    const due = phase.flatMap((p, v) => ((tick - p) % periodTicks === 0 ? [v] : []));
    await Promise.all(
      due.map(async (v) => {
        const etag = etags.get(v);
        const res = await api.request("/v1/channels/live/live.m3u8", {
          headers: { ...auth, ...(etag ? { "If-None-Match": etag } : {}) },
        });
        if (res.status !== 200 && res.status !== 304)
          throw new Error(`live.m3u8 answered ${res.status}: ${await res.text()}`);
        if (res.status === 304) notModified++;
        etags.set(v, res.headers.get("ETag") ?? "");
        requests++;
      }),
    );
  }
  const liveLists = counter.count("LIST");
  const refreshMs = listingRefreshMs(TD);
  const boundLists = Math.ceil((seconds * 1000) / refreshMs) + 1;

  // Range: ten identical cold requests at once against one alone (fresh apps).
  const day = t0 - 86_400_000 * 3;
  await seedSegmentKeys({
    s3: seeder,
    bucket: settings.bucket,
    movieKey: "movie",
    channel: "past",
    startMs: day,
    days: 1,
  });
  const url = `/v1/channels/past/vod.m3u8?start=${day}&end=${day + 86_400_000}`;
  const later = () => t0;
  counter.reset();
  const one = await createApp({ config: parseApiConfig(env), s3: client, now: later }).request(
    url,
    { headers: auth },
  );
  if (one.status !== 200) throw new Error(`vod.m3u8 answered ${one.status}`);
  const listsOfOne = counter.count("LIST");
  counter.reset();
  const shared = createApp({ config: parseApiConfig(env), s3: client, now: later });
  const ten = await Promise.all(
    Array.from({ length: 10 }, () => shared.request(url, { headers: auth })),
  );
  if (ten.some((r) => r.status !== 200)) throw new Error("a concurrent vod.m3u8 failed");
  const listsOfTen = counter.count("LIST");

  console.log(
    `${viewers} live viewers reloading every ${TD} s for ${seconds} s: ${requests} requests (${notModified} answered 304), ${liveLists} LISTs (bound ${boundLists}: one per ${refreshMs} ms refresh; ${requests} before listings were shared)`,
  );
  console.log(
    `24 h range playlist, cold: ${listsOfOne} LISTs alone, ${listsOfTen} LISTs for 10 identical requests at once`,
  );
  console.log(
    JSON.stringify({
      viewers,
      seconds,
      liveRequests: requests,
      liveNotModified: notModified,
      liveLists,
      liveListsBound: boundLists,
      liveListsPerViewerHour: Number(((liveLists / viewers) * (3600 / seconds)).toFixed(3)),
      rangeListsAlone: listsOfOne,
      rangeListsTenConcurrent: listsOfTen,
    }),
  );
} finally {
  client.destroy();
  seeder.destroy();
  await counter.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
