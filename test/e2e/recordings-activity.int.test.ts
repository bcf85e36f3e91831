import { PutObjectCommand } from "@aws-sdk/client-s3";
import { segmentKey } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appFromEnv } from "../../api/src/bootstrap";
import { startTestS3, type TestS3 } from "../helpers/s3";

/**
 * Activity in `recordings`, from the sizes the embedded S3 server's listing
 * reports: one run of 30 s segments whose sizes say "still, still, busy
 * minute, still", then a restart with a camera at a higher bit rate (its
 * own median), in one hour.
 */
const BUCKET = "kiroku-activity";
const TOKEN = "activity-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
let s3: TestS3;

// Bytes per 30 s segment: run 1 at ~1 Mbit/s with two busy segments; run 2 at four times the rate, flat.
const RUN1 = [100, 100, 100, 300, 300, 100, 100, 100].map((k) => k * 1000);
const RUN2 = [400, 400, 400, 400].map((k) => k * 1000);

beforeAll(async () => {
  s3 = await startTestS3({ bucket: BUCKET });
  const put = (run: number, i: number, size: number, startMs: number) =>
    s3.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: segmentKey("movie", { channel: "cam1", startMs, durationMs: 30_000, run, seq: i + 1 }),
        Body: new Uint8Array(size),
      }),
    );
  await Promise.all(RUN1.map((size, i) => put(1, i, size, T0 + i * 30_000)));
  const run2At = T0 + 30 * 60_000;
  await Promise.all(RUN2.map((size, i) => put(2, RUN1.length + i, size, run2At + i * 30_000)));
});

afterAll(async () => {
  await s3?.cleanup();
});

it("gives each span and summary bucket its activity relative to the run's median", async () => {
  const { app } = appFromEnv({ ...s3.env, API_TOKEN: TOKEN, LOG_LEVEL: "silent" });
  const res = await app.request(
    `/v1/channels/cam1/recordings?start=${T0}&end=${T0 + 3_600_000}&summary=hour`,
    { headers: { Authorization: `Bearer ${TOKEN}` } },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    spans: { start: string; activity: { mean: number; peak: number } | null }[];
    summary: { buckets: { activity: { mean: number; peak: number } | null }[] };
  };
  expect(body.spans).toHaveLength(2);
  // Run 1: median 100 kB per segment; two segments at 3×: mean (6×1 + 2×3)/8 = 1.5.
  expect(body.spans[0]!.activity).toEqual({ mean: 1.5, peak: 3 });
  // Run 2: four times the bytes, but that is its own normal.
  expect(body.spans[1]!.activity).toEqual({ mean: 1, peak: 1 });
  // One hour bucket holding both: (8 × 1.5 + 4 × 1) / 12 segments of equal length.
  expect(body.summary.buckets[0]!.activity).toEqual({ mean: 1.33, peak: 3 });
});
