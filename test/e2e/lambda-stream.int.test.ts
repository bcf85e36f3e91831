import type { StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { functionUrlEvent } from "../helpers/lambda-event";
import { installLambdaStreamingRuntime, invokeStreaming } from "../helpers/lambda-stream";
import { startTestS3, type TestS3 } from "../helpers/s3";
import { makeSegmentFiles, uploadRun } from "../helpers/segments";

/**
 * The response-streaming Lambda entry (`api/src/lambda-stream.ts`, handler
 * `stream.handler` with function URL InvokeMode RESPONSE_STREAM) invoked
 * through a harness of Lambda's streaming runtime, against the embedded S3
 * server; the Node server over the same bucket is the reference.
 */
const BUCKET = "kiroku-lambda-stream";
const TOKEN = "lambda-stream-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const SIX_MB = 6 * 1000 * 1000;
let s3: TestS3;
let segments: StoredSegment[];
let endMs: number;
let api: ApiProcess;
let handler: unknown;

beforeAll(async () => {
  s3 = await startTestS3({ bucket: BUCKET });
  // 720p segments with a keyframe every second (a camera's stream copied): two of
  // them make a clip well over a buffered Lambda's 6 MB, and an MP4 of 12 fragments.
  const files = await makeSegmentFiles({
    count: 2,
    segmentSeconds: 6,
    size: "1280x720",
    keyframeSeconds: 1,
  });
  segments = await uploadRun({
    s3: s3.s3,
    bucket: BUCKET,
    movieKey: "movie",
    channel: "cam1",
    run: 1,
    firstSeq: 0,
    startMs: T0,
    files,
  });
  const last = segments.at(-1)!;
  endMs = last.startMs + last.durationMs;
  const env = { ...s3.env, TARGET_DURATION: "6", API_TOKEN: TOKEN };
  api = await startApiProcess(env);
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: "kiroku-api",
    ...env,
    LOG_LEVEL: "silent",
  });
  installLambdaStreamingRuntime();
  ({ handler } = (await import("../../api/src/lambda-stream")) as { handler: unknown });
}, 180_000);

afterAll(async () => {
  await api?.stop();
  await s3?.cleanup();
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe.each(["clip.ts", "clip.mp4"])("%s through the streaming handler", (file) => {
  it("is byte-identical to the Node server's, over 6 MB, written in many pieces", async () => {
    const query = `start=${T0}&end=${endMs}`;
    const streamed = await invokeStreaming(
      handler,
      functionUrlEvent(`/v1/channels/cam1/${file}`, query, auth),
    );
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body.length).toBeGreaterThan(SIX_MB);
    // Streamed as produced (S3 chunks; MP4 fragments), not buffered and written once.
    expect(streamed.bodyWrites).toBeGreaterThan(10);
    const node = await fetch(`${api.url}/v1/channels/cam1/${file}?${query}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(node.status).toBe(200);
    const reference = Buffer.from(await node.arrayBuffer());
    expect(streamed.body.length).toBe(reference.length);
    expect(streamed.body.equals(reference)).toBe(true);
    for (const h of [
      "content-type",
      "content-disposition",
      "x-kiroku-clip-start",
      "x-kiroku-segments",
    ]) {
      expect(streamed.headers[h]).toBe(node.headers.get(h));
    }
  }, 120_000);
});

it("defaults CLIP_MAX_BYTES to 190 MiB (Lambda's streamed limit is 200 MB), not the buffered 4 MiB", async () => {
  const { parseApiConfig } = await import("../../api/src/api-config");
  const env = { ...process.env };
  delete env.CLIP_MAX_BYTES;
  expect(parseApiConfig(env, { lambdaStreaming: true }).clipMaxBytes).toBe(190 * 1024 ** 2);
  expect(parseApiConfig(env).clipMaxBytes).toBe(4 * 1024 ** 2);
});

it("streams errors as JSON with their status", async () => {
  const res = await invokeStreaming(
    handler,
    functionUrlEvent("/v1/channels/cam1/clip.mp4", "start=noon&duration=60", auth),
  );
  expect(res.statusCode).toBe(400);
  expect(JSON.parse(res.body.toString("utf8")).error.field).toBe("start");
});
