import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createS3Client, type StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { videoPackets } from "../helpers/ffmpeg-tools";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { makeSegmentFiles } from "../helpers/segments";

/**
 * Stored VOD playlists (PostVodPlaylist / GetVodPlaylist): written by the app
 * in-process into the embedded S3 server, then read by ffmpeg as an HLS
 * client straight from the bucket (anonymous GETs, no API, relative segment
 * URIs), end to end across a restart's discontinuity.
 */
const run = promisify(execFile);
const BUCKET = "kiroku-vodpl";
const TOKEN = "vodpl-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const json = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
const iso = (ms: number) => new Date(ms).toISOString();
let bucket: RecordedBucket;
let app: ReturnType<typeof createApp>;
let segments: StoredSegment[];
let endMs: number;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  endMs = bucket.endMs;
  const config = parseApiConfig({
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    // The bucket's "static hosting": the embedded server answers anonymous GETs by path.
    S3_HOSTING_URL: `${bucket.endpoint}/${BUCKET}`,
  });
  app = createApp({ config, s3: createS3Client(config.s3, { maxAttempts: 1 }) });
});

afterAll(async () => {
  await bucket?.cleanup();
});

it("ffmpeg reads a stored playlist end to end straight from the bucket, across the restart", async () => {
  const res = await app.request("/v1/channels/cam1/vod-playlists", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: "front-door.evidence_1", start: iso(T0), end: iso(endMs) }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    name: "front-door.evidence_1",
    key: "movie/cam1/vod/front-door.evidence_1.m3u8",
    url: `${bucket.endpoint}/${BUCKET}/movie/cam1/vod/front-door.evidence_1.m3u8`,
    segments: segments.length,
    complete: true,
  });

  // The object itself, fetched anonymously: relative URIs, nothing signed.
  const stored = await (await fetch(body.url as string)).text();
  expect(stored.match(/^\.\.\/2026-11-22\/.+\.ts$/gm)).toHaveLength(segments.length);
  expect(stored).not.toMatch(/X-Amz|sig=|http/);

  const out = path.join(bucket.work, "stored.ts");
  const { stderr } = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-y",
      "-i",
      body.url as string,
      "-map",
      "0",
      "-c",
      "copy",
      "-f",
      "mpegts",
      out,
    ],
    { timeout: 60_000 },
  );
  expect(stderr).not.toMatch(/Failed to open segment|404|Server returned/);
  const files = await makeSegmentFiles({ count: 3, segmentSeconds: 2 });
  let expected = 0;
  for (const f of files) expected += await videoPackets(f.path);
  expect(await videoPackets(out)).toBe(2 * expected); // both runs, every frame
});

it("lists and reads stored playlists: the m3u8 rewritten for playback through the API, or its metadata", async () => {
  const list = await app.request("/v1/channels/cam1/vod-playlists", { headers: json });
  const listed = (await list.json()) as { playlists: Record<string, unknown>[] };
  expect(listed.playlists).toEqual([
    expect.objectContaining({
      name: "front-door.evidence_1",
      key: "movie/cam1/vod/front-door.evidence_1.m3u8",
      url: `${bucket.endpoint}/${BUCKET}/movie/cam1/vod/front-door.evidence_1.m3u8`,
    }),
  ]);

  const read = await app.request("/v1/channels/cam1/vod-playlists/front-door.evidence_1", {
    headers: json,
  });
  expect(read.status).toBe(200);
  expect(read.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
  expect(read.headers.get("x-kiroku-key")).toBe("movie/cam1/vod/front-door.evidence_1.m3u8");
  const text = await read.text();
  const urls = text.split("\n").filter((l) => l.startsWith("http"));
  expect(urls).toHaveLength(segments.length);
  expect(urls[0]).toMatch(/X-Amz-Signature=/); // presigned, as SEGMENT_URLS says
  const first = await fetch(urls[0]!);
  expect(first.status).toBe(200);
  expect((await first.arrayBuffer()).byteLength).toBe(segments[0]!.size);

  const meta = await app.request(
    "/v1/channels/cam1/vod-playlists/front-door.evidence_1?format=json",
    { headers: json },
  );
  expect(await meta.json()).toMatchObject({
    start: iso(T0),
    end: iso(endMs),
    segments: segments.length,
    key: "movie/cam1/vod/front-door.evidence_1.m3u8",
  });
  const missing = await app.request("/v1/channels/cam1/vod-playlists/nope", { headers: json });
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
    "PLAYLIST_NOT_FOUND",
  );
});

it("refuses to overwrite a name (409) unless ?overwrite=true; an empty range is 404 NO_SEGMENTS", async () => {
  const post = (query: string, body: unknown) =>
    app.request(`/v1/channels/cam1/vod-playlists${query}`, {
      method: "POST",
      headers: json,
      body: JSON.stringify(body),
    });
  const shorter = { name: "front-door.evidence_1", start: iso(T0), end: iso(T0 + 2_000) };
  const conflict = await post("", shorter);
  expect(conflict.status).toBe(409);
  expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe(
    "PLAYLIST_EXISTS",
  );
  const kept = await fetch(
    `${bucket.endpoint}/${BUCKET}/movie/cam1/vod/front-door.evidence_1.m3u8`,
  );
  expect((await kept.text()).match(/\.ts$/gm)).toHaveLength(segments.length);
  const replaced = await post("?overwrite=true", shorter);
  expect(replaced.status).toBe(201);
  expect(((await replaced.json()) as { segments: number }).segments).toBe(1);

  const empty = await post("", {
    name: "nothing",
    start: "2026-11-21T00:00:00Z",
    end: "2026-11-21T01:00:00Z",
  });
  expect(empty.status).toBe(404);
  const error = ((await empty.json()) as { error: { code: string; message: string } }).error;
  expect(error.code).toBe("NO_SEGMENTS");
  expect(error.message).toMatch(
    /No ts file found in specified time span.*2026-11-21T00:00:00\.000Z.*2026-11-21T01:00:00\.000Z/,
  );
  const absent = await fetch(`${bucket.endpoint}/${BUCKET}/movie/cam1/vod/nothing.m3u8`);
  expect(absent.status).toBe(404);
});
