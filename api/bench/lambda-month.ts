/**
 * A month through the Lambda handler: 31 days of 30 s segments (89,280
 * keys) in the embedded S3 server (seeded once into .kiroku/bench/range-31d,
 * several minutes of PUTs), the real Lambda entry (`api/src/lambda.ts`) with
 * `MAX_RANGE_HOURS=744`, asked with Function URL events as hls.js sends them
 * (`Accept-Encoding: gzip, deflate, br`), S3 behind a request-counting
 * proxy. Figures: the 31-day playlist cold (time, LISTs, day-index GETs and
 * PUTs, bytes before and after compression, the base64 body against the
 * 6 MB Function URL limit), the same warm, and a 7-day
 * `recordings?summary=day` cold and warm. The day indexes stay in the
 * bucket between runs (api-day-index measures a month without them): the
 * first run builds them, later ones read them.
 * Prints JSON on its last line.
 */
import { functionUrlEvent, type LambdaResult } from "../../test/helpers/lambda-event";
import { openMonthBench } from "../../test/helpers/range-bench";
import { startS3RequestCounter } from "../../test/helpers/s3-request-counter";

/** A Function URL's buffered response limit (the whole JSON envelope). */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const TOKEN = "bench-token-0123456789";
const { server, settings, bucket, channel, firstDay } = await openMonthBench();
const counter = await startS3RequestCounter(server.endpoint);
Object.assign(process.env, {
  AWS_LAMBDA_FUNCTION_NAME: "kiroku-bench",
  S3_BUCKETNAME: bucket,
  S3_ENDPOINT: counter.endpoint,
  S3_FORCE_PATH_STYLE: "true",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: settings.credentials!.accessKeyId,
  AWS_SECRET_ACCESS_KEY: settings.credentials!.secretAccessKey,
  API_TOKEN: TOKEN,
  MAX_RANGE_HOURS: "744",
  LOG_LEVEL: "warn",
});
const { handler } = await import("../src/lambda");
const headers = { authorization: `Bearer ${TOKEN}`, "accept-encoding": "gzip, deflate, br" };

async function invoke(rawPath: string, query: string) {
  counter.reset();
  const t0 = performance.now();
  const res = (await handler(
    functionUrlEvent(rawPath, query, headers) as never,
    {} as never,
  )) as LambdaResult;
  const ms = performance.now() - t0;
  const envelope = Buffer.byteLength(JSON.stringify(res));
  return {
    res,
    ms,
    lists: counter.count("LIST"),
    indexGets: counter.count("GET", "day-index"),
    indexPuts: counter.count("PUT", "day-index"),
    requests: counter.requests.length,
    envelope,
  };
}

try {
  const start = new Date(firstDay).toISOString();
  const end = new Date(firstDay + 31 * 86_400_000).toISOString();
  const q = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
  const cold = await invoke(`/v1/channels/${channel}/vod.m3u8`, q);
  if (cold.res.statusCode !== 200)
    throw new Error(
      `31-day playlist answered ${cold.res.statusCode}: ${cold.res.body.slice(0, 300)}`,
    );
  const zipped = cold.res.isBase64Encoded ? Buffer.from(cold.res.body, "base64").length : 0;
  const { gunzipSync } = await import("node:zlib");
  const text = cold.res.isBase64Encoded
    ? gunzipSync(Buffer.from(cold.res.body, "base64")).toString("utf8")
    : cold.res.body;
  const entries = text.split("\n").filter((l) => l.startsWith("#EXTINF")).length;
  const warm = await invoke(`/v1/channels/${channel}/vod.m3u8`, q);

  const s7 = new Date(firstDay + 7 * 86_400_000).toISOString();
  const e7 = new Date(firstDay + 14 * 86_400_000).toISOString();
  const q7 = `start=${encodeURIComponent(s7)}&end=${encodeURIComponent(e7)}&summary=day`;
  const summaryCold = await invoke(`/v1/channels/${channel}/recordings`, q7);
  if (summaryCold.res.statusCode !== 200)
    throw new Error(`7-day summary answered ${summaryCold.res.statusCode}`);
  const summaryWarm = await invoke(`/v1/channels/${channel}/recordings`, q7);

  console.log(
    `31-day playlist on Lambda: ${entries} segments, ${text.length} bytes, sent as ${cold.res.headers["content-encoding"] ?? "identity"} ${zipped} bytes, envelope ${cold.envelope} bytes (limit ${LAMBDA_RESPONSE_LIMIT}); cold ${cold.ms.toFixed(0)} ms with ${cold.lists} LISTs, ${cold.indexGets} day-index GETs and ${cold.indexPuts} PUTs, warm ${warm.ms.toFixed(0)} ms with ${warm.lists}`,
  );
  console.log(
    `7-day day summary on Lambda: cold ${summaryCold.ms.toFixed(0)} ms with ${summaryCold.lists} LISTs and ${summaryCold.indexGets} day-index GETs, warm ${summaryWarm.ms.toFixed(0)} ms with ${summaryWarm.lists} (${summaryCold.envelope} bytes)`,
  );
  console.log(
    JSON.stringify({
      monthSegments: entries,
      monthPlaylistBytes: text.length,
      monthSentBytes: zipped,
      monthEncoding: cold.res.headers["content-encoding"] ?? "identity",
      monthEnvelopeBytes: cold.envelope,
      lambdaLimitBytes: LAMBDA_RESPONSE_LIMIT,
      withinLambdaLimit: cold.envelope <= LAMBDA_RESPONSE_LIMIT,
      monthColdMs: Math.round(cold.ms),
      monthColdLists: cold.lists,
      monthColdIndexGets: cold.indexGets,
      monthColdIndexPuts: cold.indexPuts,
      monthWarmMs: Math.round(warm.ms),
      monthWarmLists: warm.lists,
      weekSummaryColdMs: Math.round(summaryCold.ms),
      weekSummaryColdLists: summaryCold.lists,
      weekSummaryColdIndexGets: summaryCold.indexGets,
      weekSummaryWarmMs: Math.round(summaryWarm.ms),
      weekSummaryWarmLists: summaryWarm.lists,
      targetMonthColdMs: 3000,
    }),
  );
} finally {
  await counter.close();
  await server.stop();
}
