import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type ChannelStatus,
  createS3Client,
  DAY_MS,
  dayIndexKey,
  dayIndexPrefix,
  listSegmentsInRange,
  type SegmentRef,
  segmentKey,
  statusKey,
} from "@kiroku/shared";
import { heartbeat } from "@kiroku/test/heartbeat";
import { listAll, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { type S3RequestCounter, startS3RequestCounter } from "@kiroku/test/s3-request-counter";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";

/**
 * Day indexes against the embedded S3 server, the API's requests counted by
 * a proxy: a range over final days is listed once and indexed, then read
 * from the indexes by any cold instance; what a playlist names is always
 * what a listing of the bucket says (deletes, late uploads of a recorder's
 * backlog, a torn index), checked over random histories.
 */
const TOKEN = "day-index-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };
const HOSTING = "http://media.example";
const D0 = Date.parse("2026-11-01T00:00:00Z");
const SEG_MS = 30_000;

let s3: TestS3;
let counter: S3RequestCounter;
let client: S3Client;

beforeAll(async () => {
  s3 = await startTestS3({ bucket: "day-index" });
  counter = await startS3RequestCounter(s3.endpoint);
  client = createS3Client({ ...s3.settings, endpoint: counter.endpoint }, { maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await counter?.close();
  await s3?.cleanup();
});

function app(now: () => number) {
  const config = parseApiConfig({
    ...s3.env,
    API_TOKEN: TOKEN,
    SEGMENT_URLS: "public",
    S3_HOSTING_URL: HOSTING,
    MAX_RANGE_HOURS: "744",
  });
  return createApp({ config, s3: client, now });
}

const put = (key: string, body: string) =>
  s3.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

/** Stores segments (tiny bodies) straight into the bucket, not through the counter. */
async function upload(segments: SegmentRef[]): Promise<void> {
  await Promise.all(segments.map((s) => put(segmentKey("movie", s), "ts")));
}

/** `count` back-to-back 30 s segments from `fromMs`. */
function run(channel: string, fromMs: number, count: number, firstSeq = 1): SegmentRef[] {
  return Array.from({ length: count }, (_, i) => ({
    channel,
    startMs: fromMs + i * SEG_MS,
    durationMs: SEG_MS,
    run: 1,
    seq: firstSeq + i,
  }));
}

/** The keys a playlist names (public URLs: hosting URL + key), or [] for a 404. */
async function playlistKeys(
  a: ReturnType<typeof app>,
  channel: string,
  startMs: number,
  endMs: number,
): Promise<{ keys: string[]; final: boolean }> {
  const res = await a.request(`/v1/channels/${channel}/vod.m3u8?start=${startMs}&end=${endMs}`, {
    headers: auth,
  });
  const text = await res.text();
  if (res.status === 404) return { keys: [], final: false };
  expect(res.status, text).toBe(200);
  const keys = text
    .split("\n")
    .filter((l) => l.startsWith(HOSTING))
    .map((l) => decodeURIComponent(new URL(l).pathname.slice(1)));
  return { keys, final: (res.headers.get("Cache-Control") ?? "").includes("immutable") };
}

/** What a listing of the bucket says: the source of truth. */
async function listedKeys(channel: string, startMs: number, endMs: number): Promise<string[]> {
  const { segments } = await listSegmentsInRange({
    s3: s3.s3,
    bucket: s3.bucket,
    movieKey: "movie",
    channel,
    startMs,
    endMs,
    lookbackMs: 2 * SEG_MS + 10_000,
  });
  return segments.map((s) => s.key);
}

describe("day indexes", () => {
  it("lists a month once, then any cold instance reads it from one GET per day and no LIST", async () => {
    const ch = "month";
    // A few segments around each midnight of 5 days, one running into the next day.
    const segs = [0, 1, 2, 3, 4].flatMap((d) => run(ch, D0 + d * DAY_MS - 45_000, 4, d * 10 + 1));
    await upload(segs);
    const now = () => D0 + 40 * DAY_MS; // long over; no heartbeat: nothing pending
    const range = { startMs: D0, endMs: D0 + 5 * DAY_MS };

    counter.reset();
    const first = await playlistKeys(app(now), ch, range.startMs, range.endMs);
    expect(first.keys).toEqual(await listedKeys(ch, range.startMs, range.endMs));
    expect(first.final).toBe(true);
    // Six days hold segments that can overlap (the day before, for the one running into D0).
    expect(counter.count("PUT", "day-index")).toBe(6);
    expect(counter.count("LIST", "segment")).toBeGreaterThanOrEqual(6);
    const stored = await listAll(s3.s3, s3.bucket, dayIndexPrefix("movie", ch));
    expect(stored.map((o) => o.key)).toContain(dayIndexKey("movie", ch, D0 - DAY_MS));

    counter.reset();
    const cold = await playlistKeys(app(now), ch, range.startMs, range.endMs);
    expect(cold.keys).toEqual(first.keys);
    expect(counter.count("LIST")).toBe(0);
    expect(counter.count("GET", "day-index")).toBe(6);
    expect(counter.count("PUT")).toBe(0);
  });

  it("lists today and reads the days before it from their indexes", async () => {
    const ch = "today";
    await upload(run(ch, D0 + 3_600_000, 10));
    await upload(run(ch, D0 + DAY_MS + 3_600_000, 10, 11));
    const now = D0 + DAY_MS + 3_600_000 + 10 * SEG_MS + 1_000;
    // A recorder recording now: its last segment just completed, nothing spooled.
    await put(
      statusKey("movie", ch),
      JSON.stringify(
        heartbeat(now, {
          channel: ch,
          lastSegment: {
            key: "x",
            startMs: now - 1_000 - SEG_MS,
            durationMs: SEG_MS,
          },
          queue: { segments: 0, bytes: 0 },
        }),
      ),
    );
    const a = app(() => now);
    await playlistKeys(a, ch, D0, now); // indexes the first day
    counter.reset();
    const again = await playlistKeys(
      app(() => now),
      ch,
      D0,
      now,
    );
    expect(again.keys).toEqual(await listedKeys(ch, D0, now));
    expect(again.keys).toHaveLength(20);
    expect(again.final).toBe(false);
    // D0 and the day before it (the lookback of a range starting at midnight; empty, indexed as such).
    expect(counter.count("GET", "day-index")).toBe(2);
    expect(counter.count("PUT", "day-index")).toBe(0);
    expect(counter.count("LIST", "segment")).toBe(1); // today only
  });

  it("does not index a day whose upload backlog the heartbeat still announces", async () => {
    const ch = "backlog";
    await upload(run(ch, D0 + 3_600_000, 5));
    const now = D0 + 3 * DAY_MS;
    // A stopped recorder with a segment of D0 still in its spool.
    await put(
      statusKey("movie", ch),
      JSON.stringify(
        heartbeat(now, {
          channel: ch,
          state: "stopped",
          queue: { segments: 1, bytes: 10, oldestStartMs: D0 + 7_200_000 },
        }),
      ),
    );
    const indexOfD0 = () =>
      counter.requests.filter((r) => r.op === "PUT" && r.key === dayIndexKey("movie", ch, D0));
    counter.reset();
    const early = await playlistKeys(
      app(() => now),
      ch,
      D0,
      D0 + DAY_MS,
    );
    expect(early.keys).toHaveLength(5);
    expect(early.final).toBe(false);
    expect(indexOfD0()).toHaveLength(0);
    // The backlog arrives; the heartbeat says the spool is empty: D0 is final now.
    await upload(run(ch, D0 + 7_200_000, 1, 6));
    await put(
      statusKey("movie", ch),
      JSON.stringify(
        heartbeat(now, { channel: ch, state: "stopped", queue: { segments: 0, bytes: 0 } }),
      ),
    );
    const late = await playlistKeys(
      app(() => now),
      ch,
      D0,
      D0 + DAY_MS,
    );
    expect(late.keys).toHaveLength(6);
    expect(late.final).toBe(true);
    expect(indexOfD0()).toHaveLength(1);
  });

  it("removes a day's index when recordings of that day are deleted", async () => {
    const ch = "deleted";
    await upload(run(ch, D0 + 3_600_000, 10));
    const now = () => D0 + 3 * DAY_MS;
    const a = app(now);
    expect((await playlistKeys(a, ch, D0, D0 + DAY_MS)).keys).toHaveLength(10);
    const del = await a.request(
      `/v1/channels/${ch}/recordings?start=${D0 + 3_600_000}&end=${D0 + 3_600_000 + 3 * SEG_MS}`,
      { method: "DELETE", headers: auth },
    );
    expect(del.status).toBe(200);
    expect(((await del.json()) as { deleted: number }).deleted).toBe(3);
    const stored = await listAll(s3.s3, s3.bucket, dayIndexPrefix("movie", ch));
    // D0's index is gone; the day before (read as the lookback, untouched) keeps its own.
    expect(stored.map((o) => o.key)).toEqual([dayIndexKey("movie", ch, D0 - DAY_MS)]);
    // Another instance, cold: lists the day again and indexes what is left.
    const other = await playlistKeys(app(now), ch, D0, D0 + DAY_MS);
    expect(other.keys).toEqual(await listedKeys(ch, D0, D0 + DAY_MS));
    expect(other.keys).toHaveLength(7);
    expect((await playlistKeys(a, ch, D0, D0 + DAY_MS)).keys).toEqual(other.keys);
  });

  it("keeps a settled summary like a finished playlist: ETag, 304, no S3 request, dropped by a delete", async () => {
    const ch = "summary";
    await upload(run(ch, D0 + 3_600_000, 10));
    const now = () => D0 + 3 * DAY_MS;
    const a = app(now);
    const url = `/v1/channels/${ch}/recordings?start=${D0}&end=${D0 + 2 * DAY_MS}&summary=day`;
    const first = await a.request(url, { headers: auth });
    expect(first.status).toBe(200);
    const etag = first.headers.get("ETag")!;
    const body = (await first.json()) as { segments: number };
    expect(body.segments).toBe(10);
    counter.reset();
    const again = await a.request(url, { headers: { ...auth, "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(counter.requests).toHaveLength(0);
    const del = await a.request(
      `/v1/channels/${ch}/recordings?start=${D0 + 3_600_000}&end=${D0 + 3_600_000 + SEG_MS}`,
      { method: "DELETE", headers: auth },
    );
    expect(del.status).toBe(200);
    const after = await a.request(url, { headers: { ...auth, "If-None-Match": etag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { segments: number }).segments).toBe(9);
  });

  it("rebuilds an index that is not sound (torn, hand-edited) from a listing", async () => {
    const ch = "torn";
    await upload(run(ch, D0 + 3_600_000, 4));
    await put(dayIndexKey("movie", ch, D0), '{"schema":1,"channel":"torn","day":"2026-11-01","cou');
    const now = () => D0 + 3 * DAY_MS;
    counter.reset();
    const got = await playlistKeys(app(now), ch, D0 + 3_000_000, D0 + DAY_MS);
    expect(got.keys).toHaveLength(4);
    expect(counter.count("PUT", "day-index")).toBe(1);
    counter.reset();
    expect((await playlistKeys(app(now), ch, D0 + 3_000_000, D0 + DAY_MS)).keys).toEqual(got.keys);
    expect(counter.count("LIST")).toBe(0);
  });

  it("never serves a playlist that differs from the listing, over random uploads, backlogs and deletes (property)", async () => {
    let runNo = 0;
    let indexHits = 0;
    let finalServed = 0;
    type Op =
      | { op: "record"; segments: number; gapMs: number }
      | { op: "upload"; count: number; newestFirst: boolean }
      | { op: "delete"; at: number; to: number; nudge: number }
      | { op: "read"; at: number; to: number; nudge: number; cold: boolean };
    // Ranges start and end near recorded segments (`at`, `to`: shares of the
    // segments recorded so far; `to` past 1 reaches into the future), nudged
    // across their bounds, so they hit recordings, midnights and lookbacks.
    const at = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);
    const nudge = fc.integer({ min: -90_000, max: 20_000 });
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant("record" as const),
          segments: fc.integer({ min: 1, max: 6 }),
          gapMs: fc.integer({ min: 0, max: 12 * 3_600_000 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant("upload" as const),
          // Up to the whole spool (the recorder's backlog drains).
          count: fc.integer({ min: 1, max: 40 }),
          newestFirst: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant("delete" as const),
          at,
          to: at,
          nudge,
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("read" as const),
          at,
          // Past 1: the range reaches into the future (a growing playlist).
          to: fc.integer({ min: 0, max: 1200 }).map((n) => n / 1000),
          nudge,
          cold: fc.boolean(),
        }),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 24 }), async (ops) => {
        const ch = `prop${runNo++}`;
        let now = D0 + 20 * 3_600_000;
        let seq = 1;
        let last: SegmentRef | undefined;
        const spool: SegmentRef[] = [];
        const recorded: SegmentRef[] = [];
        /** A range from the step's shares of what was recorded so far (all of it when nothing was). */
        const rangeOf = (step: { at: number; to: number; nudge: number }) => {
          if (recorded.length === 0) return { start: D0, end: now + 60_000 };
          const pick = (share: number) =>
            recorded[Math.floor(Math.min(share, 1) * (recorded.length - 1))]!;
          const start = pick(Math.min(step.at, step.to)).startMs + step.nudge;
          const end =
            Math.max(step.at, step.to) > 1
              ? now + 3_600_000
              : pick(Math.max(step.at, step.to)).startMs + SEG_MS - step.nudge;
          return { start, end: Math.max(end, start + 1_000) };
        };
        // The recorder's heartbeat, written after every step it takes (oldest spooled segment, last one).
        const beat = () => {
          const status: ChannelStatus = heartbeat(now, {
            channel: ch,
            updatedAt: new Date(now).toISOString(),
            ...(last
              ? {
                  lastSegment: {
                    key: segmentKey("movie", last),
                    startMs: last.startMs,
                    durationMs: last.durationMs,
                  },
                }
              : {}),
            queue: {
              segments: spool.length,
              bytes: spool.length * 2,
              ...(spool.length > 0
                ? { oldestStartMs: Math.min(...spool.map((s) => s.startMs)) }
                : {}),
            },
          });
          return put(statusKey("movie", ch), JSON.stringify(status));
        };
        await beat();
        const longLived = app(() => now);
        /** A playlist of the range, cold (a new instance) or from the long-lived one, against a listing. */
        const read = async (start: number, end: number, cold: boolean) => {
          counter.reset();
          const got = await playlistKeys(cold ? app(() => now) : longLived, ch, start, end);
          indexHits += counter.requests.filter(
            (r) => r.kind === "day-index" && r.op === "GET" && r.status === 200,
          ).length;
          if (got.final) finalServed++;
          expect(got.keys).toEqual(await listedKeys(ch, start, end));
        };
        for (const step of ops) {
          if (step.op === "record") {
            now += step.gapMs;
            for (let i = 0; i < step.segments; i++) {
              const seg = { channel: ch, startMs: now, durationMs: SEG_MS, run: 1, seq: seq++ };
              now += SEG_MS;
              spool.push(seg);
              last = seg;
              recorded.push(seg);
            }
            await beat();
          } else if (step.op === "upload") {
            const sent = step.newestFirst ? spool.splice(-step.count) : spool.splice(0, step.count);
            await upload(sent);
            await beat();
          } else if (step.op === "delete") {
            const { start, end } = rangeOf(step);
            const res = await longLived.request(
              `/v1/channels/${ch}/recordings?start=${start}&end=${end}`,
              { method: "DELETE", headers: auth },
            );
            const text = await res.text();
            expect(res.status, text).toBe(200);
          } else {
            const { start, end } = rangeOf(step);
            await read(start, end, step.cold);
          }
        }
        // The backlog drains: everything so far is final, read cold and warm.
        await upload(spool.splice(0));
        await beat();
        await read(D0, now - 120_000, true);
        await read(D0, now - 120_000, false);
        // Drop what the run left so the bucket stays small (not counted).
        const keys = [
          ...(await listAll(s3.s3, s3.bucket, `movie/${ch}/`)),
          ...(await listAll(s3.s3, s3.bucket, dayIndexPrefix("movie", ch))),
        ].map((o) => ({ Key: o.key }));
        if (keys.length > 0)
          await s3.s3.send(
            new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: keys } }),
          );
      }),
      // Every run is a real history against the server: report the first
      // counterexample (with its seed) instead of shrinking for minutes.
      { numRuns: Number(process.env.DAY_INDEX_RUNS ?? 30), endOnFailure: true },
    );
    // The property is about something: indexes were read and final playlists served.
    expect(indexHits).toBeGreaterThan(0);
    expect(finalServed).toBeGreaterThan(0);
  }, 600_000);
});
