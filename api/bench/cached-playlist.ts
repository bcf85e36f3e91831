/**
 * Requests per second of a cached past-range playlist on the Node server: a
 * day of 30 s segments (2,880 keys) in the embedded S3 server, one warm-up
 * request fills the in-process playlist cache, then 16 concurrent keep-alive
 * clients, in load generator processes of their own (test/helpers/http-load.ts),
 * ask for the same playlist for 4 s a round, without Accept-Encoding.
 * Measured side by side with a plain node:http server answering the same
 * bytes from memory in this same process: one warm-up round of each, then 7
 * rounds of both, back to back, in alternating order. Figures: the ratio of
 * the medians (target ≥ 0.8×) and the median of each round's own ratio (less
 * moved by the machine's other work, which shifts from round to round); each
 * server's CPU time per request (this process's CPU over the round); how busy
 * the load generators were (in cores: when they take most of the machine,
 * the clients, not the servers, set the pace and the ratio tells little).
 * Prints JSON on its last line.
 */
import http from "node:http";
import path from "node:path";
import { createS3Client } from "@kiroku/shared";
import { startLoadClient } from "../../test/helpers/http-load";
import { median } from "../../test/helpers/median";
import { countCommands, openSeededBucket } from "../../test/helpers/seed-keys";
import { parseApiConfig } from "../src/api-config";
import { createApp } from "../src/app";
import { startNodeServer } from "../src/node";

const bucket = "bench";
const channel = "cam1";
const firstDay = Date.parse("2026-10-01T00:00:00Z");
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
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
const auth = { Authorization: "Bearer bench-token-0123456789" };
const get = (target: URL) =>
  new Promise<{ status: number; bytes: number; body: Buffer }>((resolve, reject) => {
    const req = http.get(target, { agent, headers: auth }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, body });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });

const warm = await get(url);
if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
agent.destroy();
// The reference: plain node:http answering the same bytes from memory, with
// the same headers, on the same machine at the same time.
const plainBody = warm.body;
const plain = http.createServer((_req, res) => {
  res.writeHead(200, {
    "Content-Type": "application/vnd.apple.mpegurl",
    "Content-Length": plainBody.length,
    "Cache-Control": "private, max-age=300, immutable",
    ETag: '"0123456789abcdef0123456789abcdef"',
  });
  res.end(plainBody);
});
await new Promise<void>((r) => plain.listen(0, "127.0.0.1", () => r()));
const plainUrl = new URL(`http://127.0.0.1:${(plain.address() as { port: number }).port}/p`);

// The load comes from a process of its own (test/helpers/http-load.ts): both
// servers live in this one, so this process's CPU time per request is each
// server's cost, a figure the machine's other work disturbs less than req/s.
// Reading half a megabyte costs a client about what sending it costs a
// server, so one load process can be the limit: the clients are split over
// BENCH_CLIENTS processes (2 by default, one per core).
const clients = Array.from({ length: Number(process.env.BENCH_CLIENTS ?? 2) }, startLoadClient);
async function measure(target: URL) {
  const cpu0 = process.cpuUsage();
  const parts = await Promise.all(
    clients.map((client, i) =>
      client.run({
        url: target,
        headers: auth,
        // Split as evenly as the count allows: the first processes take the remainder.
        concurrency:
          Math.floor(concurrency / clients.length) + (i < concurrency % clients.length ? 1 : 0),
        seconds,
        expectBytes: warm.bytes,
      }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  const done = parts.reduce((n, p) => n + p.done, 0);
  const elapsedMs = Math.max(...parts.map((p) => p.elapsedMs));
  return {
    done,
    failed: parts.reduce((n, p) => n + p.failed, 0),
    requestsPerSecond: done / (elapsedMs / 1000),
    // In cores: 1 is one core busy for the whole round.
    clientCores: parts.reduce((n, p) => n + p.clientCpuMs, 0) / elapsedMs,
    serverCpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, done),
  };
}

// Alternate, so neither side always runs on a warmer (or busier) machine.
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const api: number[] = [];
const ref: number[] = [];
const apiCpu: number[] = [];
const refCpu: number[] = [];
const clientBusy: number[] = [];
let done = 0;
let failed = 0;
await measure(url); // warm-up of both (JIT, sockets), not counted
await measure(plainUrl);
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? [url, plainUrl] : [plainUrl, url];
  for (const target of order) {
    const m = await measure(target);
    const ours = target === url;
    (ours ? api : ref).push(m.requestsPerSecond);
    (ours ? apiCpu : refCpu).push(m.serverCpuUsPerRequest);
    clientBusy.push(m.clientCores);
    if (ours) done += m.done;
    failed += m.failed;
  }
}
await Promise.all(clients.map((c) => c.close()));
await server.close();
await new Promise<void>((r) => plain.close(() => r()));
await s3server.stop();
const result = {
  requestsPerSecond: Math.round(median(api)),
  plainNodeRequestsPerSecond: Math.round(median(ref)),
  ratioToPlainNode: Number((median(api) / median(ref)).toFixed(2)),
  // Each round's two halves ran back to back: the median of their ratios
  // follows the machine's other work less than the ratio of the medians does.
  pairedRatioMedian: Number(median(api.map((a, i) => a / ref[i]!)).toFixed(2)),
  targetRatio: 0.8,
  serverCpuUsPerRequest: Math.round(median(apiCpu)),
  plainNodeCpuUsPerRequest: Math.round(median(refCpu)),
  loadClientCores: Number(median(clientBusy).toFixed(2)),
  loadProcesses: clients.length,
  // Each round, in the order run: how much the machine's other work moved them.
  requestsPerSecondByRound: api.map(Math.round),
  plainNodeRequestsPerSecondByRound: ref.map(Math.round),
  requests: done,
  failed,
  concurrency,
  secondsPerRound: seconds,
  rounds,
  playlistBytes: warm.bytes,
  listRequests: counts.get("ListObjectsV2Command") ?? 0,
};
console.log(
  `cached 12 h playlist (${warm.bytes} bytes): ${result.requestsPerSecond} req/s vs ${result.plainNodeRequestsPerSecond} req/s from plain node:http (${result.ratioToPlainNode}×; median of the rounds' own ratios ${result.pairedRatioMedian}×; target ≥ 0.8×) with ${concurrency} keep-alive clients in ${clients.length} load processes, medians of ${rounds} alternating ${seconds} s rounds; server CPU ${result.serverCpuUsPerRequest} µs vs ${result.plainNodeCpuUsPerRequest} µs per request; load processes busy ${result.loadClientCores} cores; ${failed} failed, ${result.listRequests} listing(s) in all`,
);
console.log(JSON.stringify(result));
