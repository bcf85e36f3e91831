/**
 * Requests per second of a cached past-range playlist on the Node server: a
 * day of 30 s segments (2,880 keys) in the embedded S3 server, one warm-up
 * request fills the in-process playlist cache, then N concurrent keep-alive
 * clients ask for the same playlist for ~5 s. Also checks the cache did its
 * job (one listing for the whole run). Prints JSON on its last line.
 */
import http from "node:http";
import path from "node:path";
import { createS3Client } from "@kiroku/shared";
import { countCommands, openSeededBucket } from "../../test/helpers/seed-keys";
import { parseApiConfig } from "../src/api-config";
import { createApp } from "../src/app";
import { startNodeServer } from "../src/node";

const bucket = "bench";
const channel = "cam1";
const firstDay = Date.parse("2026-10-01T00:00:00Z");
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const { server: s3server, settings } = await openSeededBucket({
  dir: path.resolve(".kiroku/bench/api-1d"),
  bucket,
  movieKey: "movie",
  channel,
  startMs: firstDay,
  days: 1,
});
const config = parseApiConfig({
  S3_BUCKETNAME: bucket,
  S3_ENDPOINT: s3server.endpoint,
  AWS_ACCESS_KEY_ID: s3server.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3server.credentials.secretAccessKey,
  API_TOKEN: "bench-token-0123456789",
});
const s3 = createS3Client(settings);
const counts = countCommands(s3);
const server = await startNodeServer(createApp({ config, s3 }), { port: 0, host: "127.0.0.1" });
const url = new URL(
  `${server.url}/v1/channels/${channel}/vod.m3u8?start=${firstDay + 3_600_000}&end=${firstDay + 13 * 3_600_000}`,
);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const get = () =>
  new Promise<{ status: number; bytes: number }>((resolve, reject) => {
    const req = http.get(
      url,
      { agent, headers: { Authorization: "Bearer bench-token-0123456789" } },
      (res) => {
        let bytes = 0;
        res.on("data", (d: Buffer) => {
          bytes += d.length;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });

const warm = await get();
if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
let done = 0;
let failed = 0;
const deadline = performance.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const r = await get();
      if (r.status === 200 && r.bytes === warm.bytes) done++;
      else failed++;
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
agent.destroy();
await server.close();
await s3server.stop();
const result = {
  requestsPerSecond: Math.round(done / elapsed),
  requests: done,
  failed,
  concurrency,
  seconds: Number(elapsed.toFixed(1)),
  playlistBytes: warm.bytes,
  listRequests: counts.get("ListObjectsV2Command") ?? 0,
};
console.log(
  `cached 12 h playlist (${warm.bytes} bytes): ${result.requestsPerSecond} req/s with ${concurrency} keep-alive clients, ${failed} failed, ${result.listRequests} listing(s) in all`,
);
console.log(JSON.stringify(result));
