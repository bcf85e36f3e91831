import { gunzipSync } from "node:zlib";
import type { StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { functionUrlEvent, type LambdaResult } from "../helpers/lambda-event";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";

/**
 * The Lambda entry (`api/src/lambda.ts`) invoked the way AWS does for a
 * Function URL: a payload format 2.0 event, against the embedded S3 server.
 */
const BUCKET = "kiroku-lambda";
const TOKEN = "lambda-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let bucket: RecordedBucket;
let segments: StoredSegment[];
let handler: (event: unknown, context: unknown) => Promise<LambdaResult>;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: "kiroku-api",
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    LOG_LEVEL: "silent",
  });
  ({ handler } = (await import("../../api/src/lambda")) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  await bucket?.cleanup();
});

it("answers a Function URL event with a text playlist whose presigned URLs point at the bucket", async () => {
  const res = await handler(
    functionUrlEvent("/v1/channels/cam1/vod.m3u8", `start=${T0}&duration=20`, {
      authorization: `Bearer ${TOKEN}`,
    }),
    {},
  );
  expect(res.statusCode).toBe(200);
  expect(res.isBase64Encoded).toBe(false);
  expect(res.headers["content-type"]).toBe("application/vnd.apple.mpegurl");
  expect(res.body).toContain("#EXT-X-ENDLIST");
  const first = res.body.split("\n").find((l) => l.startsWith("http"))!;
  expect((await fetch(first)).status).toBe(200);
});

it("compresses a playlist for a client that accepts gzip: base64 on the wire, the same playlist inside", async () => {
  const ask = (headers: Record<string, string>) =>
    handler(
      functionUrlEvent("/v1/channels/cam1/vod.m3u8", `start=${T0}&duration=20`, {
        authorization: `Bearer ${TOKEN}`,
        ...headers,
      }),
      {},
    );
  const plain = await ask({});
  const zipped = await ask({ "accept-encoding": "gzip, deflate, br" });
  expect(zipped.statusCode).toBe(200);
  expect(zipped.headers["content-encoding"]).toBe("gzip");
  expect(zipped.headers.vary).toBe("Accept-Encoding");
  expect(zipped.isBase64Encoded).toBe(true);
  const inside = gunzipSync(Buffer.from(zipped.body, "base64")).toString("utf8");
  expect(inside).toBe(plain.body);
  expect(zipped.body.length).toBeLessThan(plain.body.length);
});

it("returns a clip base64-encoded with the exact length", async () => {
  const last = segments[1]!;
  const res = await handler(
    functionUrlEvent(
      "/v1/channels/cam1/clip.ts",
      `start=${T0}&end=${last.startMs + last.durationMs}`,
      {
        authorization: `Bearer ${TOKEN}`,
      },
    ),
    {},
  );
  expect(res.statusCode).toBe(200);
  expect(res.isBase64Encoded).toBe(true);
  expect(Buffer.from(res.body, "base64").length).toBe(segments[0]!.size! + segments[1]!.size!);
});

it("answers errors as JSON text: 401 without a token, 400 naming a bad parameter", async () => {
  const unauth = await handler(functionUrlEvent("/v1/channels/cam1/live.m3u8", ""), {});
  expect(unauth.statusCode).toBe(401);
  expect(unauth.isBase64Encoded).toBe(false);
  expect(JSON.parse(unauth.body).error.code).toBe("AUTH_REQUIRED");
  const bad = await handler(
    functionUrlEvent("/v1/channels/cam1/vod.m3u8", "start=noon&duration=60", {
      authorization: `Bearer ${TOKEN}`,
    }),
    {},
  );
  expect(bad.statusCode).toBe(400);
  expect(JSON.parse(bad.body).error.message).toMatch(/^start/);
});
