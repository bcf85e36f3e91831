import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  type ChannelStatus,
  createS3Client,
  type StoredSegment,
  segmentKey,
  statusKey,
} from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heartbeat } from "../../test/helpers/heartbeat";
import { type RecordedBucket, startRecordedBucket } from "../../test/helpers/recorded-bucket";
import { getBytes } from "../../test/helpers/s3";
import { signedQuery } from "./access/auth";
import { parseApiConfig } from "./api-config";
import { createApp } from "./app";
import { META_CACHE_MS } from "./channels/meta-cache";
import { liveHoleGraceMs } from "./playlists/live-window";

/**
 * The app in-process (`app.request`) against the embedded S3 server over
 * HTTP, with real segments made by ffmpeg: one test per status code the
 * playback endpoints answer.
 */
const BUCKET = "kiroku-app";
const TOKEN = "test-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const auth = { Authorization: `Bearer ${TOKEN}` };
let bucket: RecordedBucket;
let segments: StoredSegment[];
let rangeEnd: number;

const env = (extra: Record<string, string> = {}) => ({
  ...bucket.env,
  TARGET_DURATION: "2",
  API_TOKEN: TOKEN,
  ...extra,
});
const makeApp = (extra: Record<string, string> = {}, now = () => Date.now()) => {
  const config = parseApiConfig(env(extra));
  const s3 = createS3Client(config.s3, {
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 1,
  });
  return { app: createApp({ config, s3, now }), config, s3 };
};
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  rangeEnd = bucket.endMs;
});

afterAll(async () => {
  await bucket?.cleanup();
});

describe("vod.m3u8", () => {
  it("200: a past range spanning a restart is an immutable VOD playlist with one discontinuity", async () => {
    const { app } = makeApp();
    const res = await app.request(
      `/v1/channels/cam1/vod.m3u8?start=${iso(T0 + 1_000)}&end=${iso(rangeEnd)}`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(res.headers.get("cache-control")).toMatch(/^private, max-age=\d+, immutable$/);
    const text = await res.text();
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(text).toContain("#EXT-X-ENDLIST");
    expect(text).toContain("#EXT-X-START:TIME-OFFSET=1.000,PRECISE=YES");
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text.match(/^http.*X-Amz-Signature=/gm)).toHaveLength(segments.length);
  });

  it("200: presigned segment URLs fetch the real bytes from S3 (the server verifies SigV4)", async () => {
    const { app } = makeApp();
    const res = await app.request(`/v1/channels/cam1/vod.m3u8?start=${iso(T0)}&duration=2`, {
      headers: auth,
    });
    const url = (await res.text()).split("\n").find((l) => l.startsWith("http"))!;
    const seg = await fetch(url);
    expect(seg.status).toBe(200);
    expect((await seg.arrayBuffer()).byteLength).toBe(segments[0]!.size);
    const flipped = url.replace(/.$/, (ch) => (ch === "0" ? "1" : "0"));
    expect(flipped).not.toBe(url);
    const tampered = await fetch(flipped);
    expect(tampered.status).toBe(403);
  });

  it("304: If-None-Match with the ETag of a past range", async () => {
    const { app } = makeApp();
    const url = `/v1/channels/cam1/vod.m3u8?start=${iso(T0)}&end=${iso(rangeEnd)}`;
    const first = await app.request(url, { headers: auth });
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request(url, { headers: { ...auth, "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("200: a range reaching into the future is a growing EVENT playlist with a short cache", async () => {
    const { app } = makeApp({}, () => T0 + 4_000);
    const res = await app.request(`/v1/channels/cam1/vod.m3u8?start=${iso(T0)}&duration=3600`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, max-age=1");
    const text = await res.text();
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(text).not.toContain("#EXT-X-ENDLIST");
  });

  it("404 NO_SEGMENTS names the empty range", async () => {
    const { app } = makeApp();
    const res = await app.request(
      "/v1/channels/cam1/vod.m3u8?start=2026-11-21T00:00:00Z&end=2026-11-21T01:00:00Z",
      { headers: auth },
    );
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NO_SEGMENTS");
    expect(body.error.message).toContain("2026-11-21T00:00:00.000Z");
  });

  it("200 with proxy URLs signed for each segment, and the proxy honours Range (206)", async () => {
    const { app } = makeApp({ SEGMENT_URLS: "proxy" });
    const res = await app.request(`/v1/channels/cam1/vod.m3u8?start=${iso(T0)}&duration=2`, {
      headers: auth,
    });
    const uri = (await res.text()).split("\n").find((l) => l.startsWith("segments/"))!;
    expect(uri).toMatch(/^segments\/2026-11-22\/10-30-00\.000Z_\d+ms_r1_s0\.ts\?exp=\d+&sig=/);
    const whole = await app.request(`/v1/channels/cam1/${uri}`);
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(segments[0]!.size);
    const part = await app.request(`/v1/channels/cam1/${uri}`, {
      headers: { Range: "bytes=0-187" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-187/${segments[0]!.size}`);
    expect(new Uint8Array(await part.arrayBuffer())[0]).toBe(0x47); // MPEG-TS sync byte
    // The signature of one segment opens no other.
    const other = uri
      .replace("_s0.ts", "_s1.ts")
      .replace(/_\d+ms_/, `_${segments[1]!.durationMs}ms_`);
    expect((await app.request(`/v1/channels/cam1/${other}`)).status).toBe(403);
  });
});

describe("vod.m3u8 while the recorder still uploads a backlog", () => {
  it("serves a past range fresh, not as final, until the heartbeat says nothing for it is on its way", async () => {
    let now = rangeEnd + 600_000;
    const { app } = makeApp({}, () => now);
    const url = `/v1/channels/cam1/vod.m3u8?start=${iso(T0)}&end=${iso(rangeEnd)}`;
    const late = segments[1]!;
    const lateBytes = await getBytes(bucket.s3, BUCKET, late.key);
    const putStatus = (status: ChannelStatus) =>
      bucket.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: statusKey("movie", "cam1"),
          Body: JSON.stringify(status),
        }),
      );
    const fetchPlaylist = async () => {
      const res = await app.request(url, { headers: auth });
      expect(res.status).toBe(200);
      return { cacheControl: res.headers.get("cache-control"), text: await res.text() };
    };
    const name = late.key.split("/").at(-1)!;
    try {
      // The recorder is back after an outage: one segment of the range is still in its spool.
      await bucket.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: late.key }));
      await putStatus(
        heartbeat(now, {
          queue: { segments: 1, bytes: lateBytes.length, oldestStartMs: late.startMs },
        }),
      );
      const before = await fetchPlaylist();
      expect(before.cacheControl).toBe("private, max-age=1");
      expect(before.text).toContain("#EXT-X-ENDLIST");
      expect(before.text).not.toContain(name);

      // It lands: the very next request has it (nothing was cached as final).
      await bucket.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: late.key, Body: lateBytes }),
      );
      expect((await fetchPlaylist()).text).toContain(name);

      // The spool is empty and the heartbeat says so: from now on the playlist is final.
      now += META_CACHE_MS;
      await putStatus(heartbeat(now, { queue: { segments: 0, bytes: 0 } }));
      const settled = await fetchPlaylist();
      expect(settled.cacheControl).toMatch(/^private, max-age=\d+, immutable$/);
      expect(settled.text).toContain(name);
    } finally {
      await bucket.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: late.key, Body: lateBytes }),
      );
      await bucket.s3.send(
        new DeleteObjectCommand({ Bucket: BUCKET, Key: statusKey("movie", "cam1") }),
      );
    }
  });
});

describe("live.m3u8", () => {
  it("200: the newest LIVE_WINDOW segments, at least three target durations, while the channel records", async () => {
    const { app } = makeApp({ LIVE_WINDOW: "2" }, () => rangeEnd + 500);
    const res = await app.request("/v1/channels/cam1/live.m3u8", { headers: auth });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("#EXT-X-MEDIA-SEQUENCE:3\n"); // three 2 s segments: 3 x TARGET_DURATION
    expect(text).toContain("#EXT-X-DISCONTINUITY-SEQUENCE:2\n");
    expect(text).not.toContain("ENDLIST");
  });

  it("404 NOT_LIVE while a run that started after idle waits out the hole grace, then 200", async () => {
    // A run of seven segments (seq 9 to 15) of a channel whose previous
    // segment (seq 8) is not listed: it may still be uploading, so live
    // holds until seq 9 ended longer than the grace ago.
    const start = rangeEnd + 600_000;
    const body0 = await getBytes(bucket.s3, BUCKET, segments[0]!.key);
    for (let i = 0; i < 7; i++) {
      const ref = {
        channel: "idle-cam",
        run: 4,
        seq: 9 + i,
        startMs: start + i * 2_000,
        durationMs: 2_000,
      };
      await bucket.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: segmentKey("movie", ref), Body: body0 }),
      );
    }
    const ended = start + 2_000;
    const early = makeApp({}, () => ended + 1_000).app;
    const waiting = await early.request("/v1/channels/idle-cam/live.m3u8", { headers: auth });
    expect(waiting.status).toBe(404);
    const body = (await waiting.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_LIVE");
    expect(body.error.message).toContain("idle-cam is starting");
    const late = makeApp({}, () => ended + liveHoleGraceMs(2)).app;
    const live = await late.request("/v1/channels/idle-cam/live.m3u8", { headers: auth });
    expect(live.status).toBe(200);
    expect(await live.text()).toContain("#EXT-X-MEDIA-SEQUENCE:13\n"); // LIVE_WINDOW 3 of 9..15
  });

  it("keeps serving the last window while nothing new arrives, ends after LIVE_IDLE_LIMIT, then 404 NOT_LIVE", async () => {
    const limit = { LIVE_IDLE_LIMIT: "120" }; // seconds; the end grace adds 600 s
    const live = makeApp(limit, () => rangeEnd + 500).app;
    const first = await (
      await live.request("/v1/channels/cam1/live.m3u8", { headers: auth })
    ).text();
    const paused = makeApp(limit, () => rangeEnd + 60_000).app;
    const res = await paused.request("/v1/channels/cam1/live.m3u8", { headers: auth });
    expect(res.status).toBe(200);
    const held = await res.text();
    const mediaSequence = (t: string) => /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)?.[1];
    expect(mediaSequence(held)).toBe(mediaSequence(first));
    expect(held).not.toContain("ENDLIST");
    const ended = makeApp(limit, () => rangeEnd + 121_000).app;
    const endRes = await ended.request("/v1/channels/cam1/live.m3u8", { headers: auth });
    expect(endRes.status).toBe(200);
    expect(await endRes.text()).toContain("#EXT-X-ENDLIST\n");
    const dead = makeApp(limit, () => rangeEnd + 721_000).app;
    const deadRes = await dead.request("/v1/channels/cam1/live.m3u8", { headers: auth });
    expect(deadRes.status).toBe(404);
    const body = (await deadRes.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_LIVE");
    expect(body.error.message).toContain("nothing was recorded in the last 720 s");
  });

  it("404 NOT_LIVE for a channel that never recorded", async () => {
    const { app } = makeApp();
    const res = await app.request("/v1/channels/never-cam/live.m3u8", { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_LIVE");
  });
});

describe("recordings", () => {
  it("200: merged spans and the gap of the restart", async () => {
    const { app } = makeApp();
    const res = await app.request(
      `/v1/channels/cam1/recordings?start=${iso(T0)}&end=${iso(rangeEnd)}`,
      {
        headers: auth,
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      spans: { start: string }[];
      gaps: { duration: number }[];
      segments: number;
    };
    expect(body.spans).toHaveLength(2);
    expect(body.gaps).toEqual([expect.objectContaining({ duration: 5 })]);
    expect(body.segments).toBe(segments.length);
  });

  it("400 for an unknown summary mode, naming it", async () => {
    const { app } = makeApp();
    const res = await app.request(
      `/v1/channels/cam1/recordings?start=${iso(T0)}&end=${iso(rangeEnd)}&summary=week`,
      {
        headers: auth,
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^summary/,
    );
  });
});

describe("clip.ts", () => {
  it("200: the segments as one file with Content-Length and a file name carrying channel and times", async () => {
    const { app } = makeApp();
    const res = await app.request(
      `/v1/channels/cam1/clip.ts?start=2026-11-22T10:30:00Z&end=2026-11-22T10:30:04Z`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="cam1_20261122T103000Z-20261122T103004Z.ts"',
    );
    const expected = segments.slice(0, 2).reduce((n, s) => n + s.size!, 0);
    expect(res.headers.get("content-length")).toBe(String(expected));
    expect((await res.arrayBuffer()).byteLength).toBe(expected);
  });

  it("413 CLIP_TOO_LARGE before any byte when over CLIP_MAX_BYTES", async () => {
    const { app } = makeApp({ CLIP_MAX_BYTES: "100K" });
    const res = await app.request(
      `/v1/channels/cam1/clip.ts?start=${iso(T0)}&end=${iso(rangeEnd)}`,
      {
        headers: auth,
      },
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CLIP_TOO_LARGE");
  });

  it("HEAD answers the same checks and headers without reading a segment; a clip session's URL downloads with no header", async () => {
    const { app, s3 } = makeApp();
    let segmentReads = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetObjectCommand") segmentReads++;
        return next(args);
      },
      { step: "initialize", name: "countSegmentReads" },
    );
    const range = "start=2026-11-22T10:30:00Z&end=2026-11-22T10:30:04Z";
    const head = await app.request(`/v1/channels/cam1/clip.ts?${range}`, {
      method: "HEAD",
      headers: auth,
    });
    expect(head.status).toBe(200);
    const expected = segments.slice(0, 2).reduce((n, s) => n + s.size!, 0);
    expect(head.headers.get("content-length")).toBe(String(expected));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(segmentReads).toBe(0);
    const empty = await app.request(
      "/v1/channels/cam1/clip.ts?start=2026-11-21T00:00:00Z&end=2026-11-21T00:01:00Z",
      { method: "HEAD", headers: auth },
    );
    expect(empty.status).toBe(404);

    const session = await app.request("/v1/channels/cam1/sessions", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        mode: "clip",
        start: "2026-11-22T10:30:00Z",
        end: "2026-11-22T10:30:04Z",
      }),
    });
    expect(session.status).toBe(201);
    const { path } = (await session.json()) as { path: string };
    const file = await app.request(path); // no Authorization: the signature is the credential
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("video/mp2t");
    expect((await file.arrayBuffer()).byteLength).toBe(expected);
    expect(segmentReads).toBe(2);
    // A clip signature opens the clip only, not the same range's playlist.
    expect((await app.request(path.replace("/clip.ts?", "/vod.m3u8?"))).status).toBe(403);
  });
});

describe("signed URLs", () => {
  it("200 for exactly the signed channel and range, 403 for anything else", async () => {
    const { app, config } = makeApp();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const range = { startMs: T0, endMs: rangeEnd };
    const q = signedQuery(config.signingKey!, { channel: "cam1", resource: "vod", ...range }, exp);
    const ok = await app.request(`/v1/channels/cam1/vod.m3u8?start=${T0}&end=${rangeEnd}&${q}`);
    expect(ok.status).toBe(200);
    const wider = await app.request(
      `/v1/channels/cam1/vod.m3u8?start=${T0 - 1000}&end=${rangeEnd}&${q}`,
    );
    expect(wider.status).toBe(403);
    const clip = await app.request(`/v1/channels/cam1/clip.ts?start=${T0}&end=${rangeEnd}&${q}`);
    expect(clip.status).toBe(403);
  });
});

describe("storage outage", () => {
  it("503 with Retry-After when S3 is down, quickly, and 200 again once it is back", async () => {
    const { app } = makeApp();
    const url = `/v1/channels/cam1/recordings?start=${iso(T0)}&end=${iso(rangeEnd)}`;
    await bucket.stop();
    try {
      const started = Date.now();
      const res = await app.request(url, { headers: auth });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "STORAGE_UNAVAILABLE",
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await bucket.start();
    }
    expect((await app.request(url, { headers: auth })).status).toBe(200);
  });
});
