import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { countCommands, seedSegmentKeysInStore } from "@kiroku/test/seed-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { overlaps, planRangeScans } from "./range-plan";
import { createS3Client } from "./s3-client";
import { startS3Server } from "./s3-server";
import type { SegmentRef } from "./segment-key";
import { listSegmentsInRange } from "./segment-listing";

const at = (iso: string) => Date.parse(iso);
const bucket = "listing-test";
const movieKey = "movie";
const lookbackMs = 70_000;
const firstDay = at("2026-11-20T00:00:00Z");

/**
 * Three days of 30 s segments for two channels (17,280 objects) in the
 * embedded S3 server over HTTP; the planner must return exactly the
 * overlapping segments while reading at most ceil(n/1000)+1 pages.
 */
describe("listSegmentsInRange against the embedded S3 server", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startS3Server>>;
  let s3: ReturnType<typeof createS3Client>;
  const stored = new Map<string, SegmentRef[]>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kiroku-listing-"));
    server = await startS3Server({ dir, bucket });
    s3 = createS3Client(settings());
    // Keys written into the server's folder: listing is the subject, not PUT.
    for (const [channel, offsetMs] of [
      ["cam1", 0],
      ["cam2", 7_250],
    ] as const) {
      stored.set(
        channel,
        await seedSegmentKeysInStore({
          dir,
          bucket,
          movieKey,
          channel,
          startMs: firstDay + offsetMs,
          days: 3,
        }),
      );
    }
  }, 300_000);

  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, string, string]> = [
    ["a 1 h range inside a day", "cam1", "2026-11-21T10:00:10Z", "2026-11-21T11:00:10Z"],
    ["a 1 h range across midnight", "cam2", "2026-11-21T23:30:00Z", "2026-11-22T00:30:00Z"],
    ["a 24 h range", "cam1", "2026-11-20T12:00:15Z", "2026-11-21T12:00:15Z"],
    ["a 24 h range on the other channel", "cam2", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"],
    ["a range before the first segment", "cam1", "2026-11-19T22:00:00Z", "2026-11-20T00:00:10Z"],
    ["a range after the last segment", "cam1", "2026-11-23T00:00:30Z", "2026-11-23T01:00:00Z"],
    ["a 2.5-day range split by day", "cam2", "2026-11-20T06:00:00Z", "2026-11-22T18:00:00Z"],
  ];

  it.each(cases)(
    "returns exactly the overlapping segments of %s within the page bound",
    async (_what, channel, from, to) => {
      const startMs = at(from);
      const endMs = at(to);
      const expected = stored
        .get(channel)!
        .filter((s) => overlaps(s.startMs, s.durationMs, startMs, endMs));
      // A fresh client per case, so it counts only this case's requests.
      const client = createS3Client(settings());
      const counts = countCommands(client);
      const result = await listSegmentsInRange({
        s3: client,
        bucket,
        movieKey,
        channel,
        startMs,
        endMs,
        lookbackMs,
      });
      client.destroy();
      expect(result.segments.map(({ key: _k, size: _s, ...ref }) => ref)).toEqual(expected);
      const pages = counts.get("ListObjectsV2Command") ?? 0;
      expect(pages).toBe(result.requests);
      // One scan: ceil(n/1000) pages plus at most one. Ranges over a day are split
      // at midnights into scans listed concurrently, each adding at most one page.
      const scans = planRangeScans({ movieKey, channel, startMs, endMs, lookbackMs }).length;
      const bound = Math.ceil(expected.length / 1000) + scans;
      if (endMs - startMs <= 86_400_000) expect(scans).toBe(1);
      expect(pages).toBeLessThanOrEqual(bound);
    },
  );

  it("includes the segment that started before the range and runs into it", async () => {
    const startMs = at("2026-11-21T10:00:10Z");
    const result = await listSegmentsInRange({
      s3,
      bucket,
      movieKey,
      channel: "cam1",
      startMs,
      endMs: startMs + 1000,
      lookbackMs,
    });
    expect(result.segments).toHaveLength(1);
    expect(result.segments[0]!.startMs).toBe(at("2026-11-21T10:00:00Z"));
  });

  function settings() {
    return {
      bucket,
      region: "us-east-1",
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.credentials,
    };
  }
});
