import { execFileSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { functionUrlEvent, type LambdaResult } from "../helpers/lambda-event";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";

/**
 * The deployable artifact itself: `pnpm lambda:zip` builds the zip and prints
 * its size; unzipped as Lambda would, its `index.handler` answers Function
 * URL events (the web page and a playlist) against the embedded S3 server.
 */
const root = path.resolve(import.meta.dirname, "../..");
const BUCKET = "kiroku-zip";
const TOKEN = "zip-token-0123456789abc";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let bucket: RecordedBucket;
let task: string;
let printed: string;
let handler: (event: unknown, context: unknown) => Promise<LambdaResult>;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  task = path.join(bucket.work, "task");
  printed = execFileSync("pnpm", ["-s", "lambda:zip"], { cwd: root, encoding: "utf8" });
  execFileSync("unzip", ["-q", path.join(root, "api/dist/kiroku-api-lambda.zip"), "-d", task]);
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: "kiroku-api",
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    LOG_LEVEL: "silent",
  });
  ({ handler } = (await import(pathToFileURL(path.join(task, "index.mjs")).href)) as {
    handler: typeof handler;
  });
}, 120_000);

afterAll(async () => {
  await bucket?.cleanup();
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
    "stream.mjs",
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
  expect(html).toBe(await readFile(path.join(task, "web/index.html"), "utf8"));
  const script = await handler(functionUrlEvent("/assets/app.js", ""), {});
  expect(script.statusCode).toBe(200);
});
