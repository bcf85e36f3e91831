import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { countCommands, seedSegmentKeys } from "@kiroku/test/seed-keys";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mapLimit } from "./map-limit";
import { createS3Client } from "./s3-client";
import { startS3Server } from "./s3-server";
import type { SegmentRef } from "./segment-key";
import { listSegmentsInRange } from "./segment-listing";
import { thumbnailKey } from "./thumbnail-key";
import { listThumbnailsInRange } from "./thumbnail-listing";

/**
 * Thumbnails beside segments in the embedded S3 server: a segment range
 * listing reads exactly the pages it read before they were there, and a
 * thumbnail range is the same kind of bounded scan. Small pages (50 keys)
 * make the page counts tell.
 */
const bucket = "thumb-listing";
const movieKey = "movie";
const firstMs = Date.parse("2026-11-20T10:00:00Z");
const pageSize = 50;
let dir: string;
let server: Awaited<ReturnType<typeof startS3Server>>;
let segments: SegmentRef[];

const settings = () => ({
  bucket,
  region: "us-east-1",
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: server.credentials,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kiroku-thumb-listing-"));
  server = await startS3Server({ dir, bucket });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function pagesOfSegmentRange(startMs: number, endMs: number) {
  const client = createS3Client(settings());
  const counts = countCommands(client);
  const res = await listSegmentsInRange({
    s3: client,
    bucket,
    movieKey,
    channel: "cam1",
    startMs,
    endMs,
    lookbackMs: 70_000,
    pageSize,
  });
  client.destroy();
  return { n: res.segments.length, pages: counts.get("ListObjectsV2Command") ?? 0 };
}

it("leaves segment range listings as cheap as before and lists thumbnails within the same bound", async () => {
  const s3 = createS3Client(settings());
  // Two hours of 30 s segments (240), and another channel's just after in key order.
  segments = await seedSegmentKeys({
    s3,
    bucket,
    movieKey,
    channel: "cam1",
    startMs: firstMs,
    days: 2 / 24,
  });
  const startMs = firstMs + 15 * 60_000;
  const endMs = firstMs + 75 * 60_000;
  const before = await pagesOfSegmentRange(startMs, endMs);

  await mapLimit(segments, 32, (seg) =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: thumbnailKey(movieKey, seg),
        Body: "jpg",
        ContentType: "image/jpeg",
      }),
    ),
  );
  const after = await pagesOfSegmentRange(startMs, endMs);
  expect(after).toEqual(before);
  expect(before.pages).toBeLessThanOrEqual(Math.ceil(before.n / pageSize) + 1);

  const counts = countCommands(s3);
  const thumbs = await listThumbnailsInRange({
    s3,
    bucket,
    movieKey,
    channel: "cam1",
    startMs,
    endMs,
    lookbackMs: 70_000,
    pageSize,
  });
  s3.destroy();
  expect(thumbs.segments.length).toBe(before.n);
  expect(thumbs.segments.every((t) => t.key.startsWith("movie/_thumbs/cam1/"))).toBe(true);
  expect(thumbs.segments[0]!.startMs).toBeLessThanOrEqual(startMs);
  expect(counts.get("ListObjectsV2Command")).toBeLessThanOrEqual(
    Math.ceil(before.n / pageSize) + 1,
  );
}, 120_000);
