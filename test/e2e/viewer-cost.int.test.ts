import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "@kiroku/shared";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { type S3RequestCounter, startS3RequestCounter } from "@kiroku/test/s3-request-counter";
import { seedSegmentKeys } from "@kiroku/test/seed-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";

/**
 * What viewers cost in S3 requests, counted by a proxy in front of the
 * embedded S3 server (every request the API really sends): identical
 * concurrent playlist requests share one listing, a new URL-signing slot
 * re-signs the kept listing in memory, and a channel's live playlist costs
 * at most one LIST per listing refresh however many viewers poll it.
 */
const TOKEN = "viewer-cost-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };
const DAY = Date.parse("2026-10-05T00:00:00.000Z");

let s3: TestS3;
let counter: S3RequestCounter;
let client: S3Client;

beforeAll(async () => {
  s3 = await startTestS3({ bucket: "viewer-cost" });
  counter = await startS3RequestCounter(s3.endpoint);
  client = createS3Client({ ...s3.settings, endpoint: counter.endpoint }, { maxAttempts: 1 });
  // A past day of 30 s segments (2,880 keys: three listing pages).
  await seedSegmentKeys({
    s3: s3.s3,
    bucket: s3.bucket,
    movieKey: "movie",
    channel: "past",
    startMs: DAY,
    days: 1,
  });
}, 180_000);

afterAll(async () => {
  client?.destroy();
  await counter?.close();
  await s3?.cleanup();
});

function app(targetDuration: number, now: () => number) {
  return createApp({
    config: parseApiConfig({
      ...s3.env,
      API_TOKEN: TOKEN,
      TARGET_DURATION: String(targetDuration),
    }),
    s3: client,
    now,
  });
}

describe("viewers on one instance share listings", () => {
  it("answers 10 concurrent identical cold range requests with the S3 requests of one, and a new signing slot with no LIST", async () => {
    const url = `/v1/channels/past/vod.m3u8?start=${DAY}&end=${DAY + 86_400_000}`;
    let now = DAY + 3 * 86_400_000;

    counter.reset();
    const first = await app(30, () => now).request(url, { headers: auth });
    expect(first.status).toBe(200);
    expect(counter.count("LIST")).toBeGreaterThanOrEqual(3); // 2,880 keys: three pages
    // That listing indexed the day (and the day before, the lookback): a cold
    // instance from now on reads the two day indexes instead.
    counter.reset();
    const alone = await app(30, () => now).request(url, { headers: auth });
    expect(alone.status).toBe(200);
    expect(counter.count("LIST")).toBe(0);
    const requestsOfOne = counter.requests.length;
    expect(counter.count("GET", "day-index")).toBe(2);

    counter.reset();
    const shared = app(30, () => now);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => shared.request(url, { headers: auth })),
    );
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]!.match(/#EXTINF/g)).toHaveLength(2880);
    expect(counter.requests.length).toBe(requestsOfOne);
    // The heartbeat (none here) is read once for all ten too.
    expect(counter.count("GET", "status")).toBeLessThanOrEqual(1);

    // Five minutes on: a new signing slot. New URLs, the same segments, no listing.
    counter.reset();
    now += 5 * 60_000;
    const resigned = await shared.request(url, { headers: auth });
    const resignedBody = await resigned.text();
    expect(resigned.status).toBe(200);
    expect(resignedBody).not.toBe(bodies[0]);
    expect(resignedBody.match(/#EXTINF/g)).toHaveLength(2880);
    expect(counter.count("LIST")).toBe(0);

    // The same playlist again: 304 on its ETag, nothing asked of S3.
    counter.reset();
    const etag = resigned.headers.get("ETag")!;
    const again = await shared.request(url, { headers: { ...auth, "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(counter.requests).toHaveLength(0);
  }, 120_000);

  it("serves 100 live viewers polling every target duration with at most one LIST per listing refresh", async () => {
    // A channel recording 2 s segments around a pinned clock.
    const t0 = Date.parse("2026-10-07T12:00:00.000Z");
    await seedSegmentKeys({
      s3: s3.s3,
      bucket: s3.bucket,
      movieKey: "movie",
      channel: "live",
      startMs: t0 - 60_000,
      days: 80_000 / 86_400_000,
      segmentMs: 2_000,
    });
    let now = t0;
    const api = app(2, () => now);
    const refreshMs = 500; // a quarter of the 2 s target duration
    const seconds = 12;
    // Each viewer reloads every 2 s from its own phase; the clock moves in 100 ms steps.
    const phase = Array.from({ length: 100 }, (_, i) => (i * 37) % 20);
    counter.reset();
    const etags = new Map<number, string>();
    let answered = 0;
    let notModified = 0;
    for (let tick = 0; tick < seconds * 10; tick++) {
      now = t0 + tick * 100;
      const due = phase.flatMap((p, viewer) => ((tick - p) % 20 === 0 ? [viewer] : []));
      await Promise.all(
        due.map(async (viewer) => {
          const etag = etags.get(viewer);
          const res = await api.request("/v1/channels/live/live.m3u8", {
            headers: { ...auth, ...(etag ? { "If-None-Match": etag } : {}) },
          });
          expect([200, 304]).toContain(res.status);
          if (res.status === 304) notModified++;
          etags.set(viewer, res.headers.get("ETag")!);
          answered++;
        }),
      );
    }
    const lists = counter.count("LIST");
    console.log(
      `${answered} live requests by 100 viewers over ${seconds} s: ${lists} LISTs, ${notModified} answered 304`,
    );
    expect(answered).toBe(100 * (seconds / 2));
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThanOrEqual((seconds * 1000) / refreshMs + 1);
    expect(notModified).toBeGreaterThan(0);
  }, 120_000);
});
