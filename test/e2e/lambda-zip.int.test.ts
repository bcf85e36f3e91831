import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createS3Client } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type S3Server, startS3Server } from "../../shared/src/s3-server";
import { functionUrlEvent, type LambdaResult } from "../helpers/lambda-event";
import { uploadRecordingWithRestart } from "../helpers/segments";

/**
 * The deployable artifact itself: `pnpm lambda:zip` builds the zip and prints
 * its size; unzipped as Lambda would, its `index.handler` answers Function
 * URL events (the web page and a playlist) against the embedded S3 server.
 */
const root = path.resolve(import.meta.dirname, "../..");
const BUCKET = "kiroku-zip";
const TOKEN = "zip-token-0123456789abc";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let dir: string;
let s3server: S3Server;
let printed: string;
let handler: (event: unknown, context: unknown) => Promise<LambdaResult>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-lambda-zip-"));
  printed = execFileSync("pnpm", ["-s", "lambda:zip"], { cwd: root, encoding: "utf8" });
  execFileSync("unzip", [
    "-q",
    path.join(root, "api/dist/kiroku-api-lambda.zip"),
    "-d",
    path.join(dir, "task"),
  ]);
  s3server = await startS3Server({ dir: path.join(dir, "s3"), bucket: BUCKET });
  const s3 = createS3Client({
    bucket: BUCKET,
    region: "us-east-1",
    endpoint: s3server.endpoint,
    forcePathStyle: true,
    credentials: s3server.credentials,
  });
  await uploadRecordingWithRestart({
    s3,
    bucket: BUCKET,
    movieKey: "movie",
    channel: "cam1",
    startMs: T0,
  });
  s3.destroy();
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: "kiroku-api",
    S3_BUCKETNAME: BUCKET,
    S3_ENDPOINT: s3server.endpoint,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    LOG_LEVEL: "silent",
  });
  ({ handler } = (await import(pathToFileURL(path.join(dir, "task/index.mjs")).href)) as {
    handler: typeof handler;
  });
}, 120_000);

afterAll(async () => {
  await s3server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("is built by pnpm lambda:zip, which prints its size", async () => {
  const size = (await stat(path.join(root, "api/dist/kiroku-api-lambda.zip"))).size;
  const m = /wrote api\/dist\/kiroku-api-lambda\.zip: (\d+) KiB zipped/.exec(printed);
  expect(m).not.toBeNull();
  expect(Math.abs(Number(m![1]) - size / 1024)).toBeLessThan(1);
  // One bundle and the web page; no node_modules, no source maps.
  const listing = execFileSync(
    "unzip",
    ["-Z1", path.join(root, "api/dist/kiroku-api-lambda.zip")],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n");
  expect(listing.sort()).toEqual([
    "index.mjs",
    "web/assets/app.css",
    "web/assets/app.js",
    "web/index.html",
  ]);
});

it("answers a Function URL event for a playlist from the unzipped bundle", async () => {
  const res = await handler(
    functionUrlEvent("/v1/channels/cam1/vod.m3u8", `start=${T0}&duration=20`, {
      authorization: `Bearer ${TOKEN}`,
    }),
    {},
  );
  expect(res.statusCode).toBe(200);
  expect(res.body).toMatch(/^#EXTM3U/);
  expect(res.body).toContain("#EXT-X-DISCONTINUITY");
  const first = res.body.split("\n").find((l) => l.startsWith("http"))!;
  expect((await fetch(first)).status).toBe(200);
});

it("serves the web page from inside the zip", async () => {
  const res = await handler(functionUrlEvent("/", ""), {});
  expect(res.statusCode).toBe(200);
  const html = res.isBase64Encoded ? Buffer.from(res.body, "base64").toString("utf8") : res.body;
  expect(html).toBe(await readFile(path.join(dir, "task/web/index.html"), "utf8"));
  const script = await handler(functionUrlEvent("/assets/app.js", ""), {});
  expect(script.statusCode).toBe(200);
});
