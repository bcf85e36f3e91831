import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client, statusKey } from "@kiroku/shared";
import { type S3Server, startS3Server } from "@kiroku/shared/s3-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heartbeat } from "../../test/helpers/heartbeat";
import { seedSegmentKeys } from "../../test/helpers/seed-keys";
import { signedQuery } from "./access/auth";
import { parseApiConfig } from "./api-config";
import { createApp } from "./app";
import { META_CACHE_MS } from "./channels/meta-cache";
import { PlaylistCache } from "./http/playlist-cache";
import { type RunningServer, startNodeServer } from "./node";

/**
 * The Node server sends a finished range playlist the app answered from its
 * cache straight from that cache, without running the app. The app is the
 * reference: every answer over HTTP is compared with `app.request` for the
 * same request, and a count of the app's runs shows which way each went.
 */
const BUCKET = "kiroku-node";
const TOKEN = "test-token-0123456789";
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
const SEGMENTS = 40;
const END = T0 + SEGMENTS * 30_000;
const auth = { authorization: `Bearer ${TOKEN}` };
const vodPath = `/v1/channels/cam1/vod.m3u8?start=${T0}&end=${END}`;
// Headers both ways must agree on (content-length is checked against the body).
const COMPARED = [
  "cache-control",
  "etag",
  "vary",
  "content-type",
  "content-encoding",
  "access-control-allow-origin",
  "access-control-expose-headers",
];

let dir: string;
let s3server: S3Server;
let now = END + 3_600_000;
let cache: PlaylistCache;
let app: ReturnType<typeof createApp>;
let server: RunningServer;
let appRuns = 0;
let config: ReturnType<typeof parseApiConfig>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "kiroku-node-"));
  s3server = await startS3Server({ dir, bucket: BUCKET });
  config = parseApiConfig({
    S3_BUCKETNAME: BUCKET,
    S3_ENDPOINT: s3server.endpoint,
    AWS_ACCESS_KEY_ID: s3server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3server.credentials.secretAccessKey,
    API_TOKEN: TOKEN,
  });
  const s3 = createS3Client(config.s3);
  await seedSegmentKeys({
    s3,
    bucket: BUCKET,
    movieKey: "movie",
    channel: "cam1",
    startMs: T0,
    days: (SEGMENTS * 30_000) / 86_400_000,
  });
  cache = new PlaylistCache(64 * 1024 ** 2);
  app = createApp({ config, s3, now: () => now, cache });
  const viaApp = app.fetch;
  app.fetch = (...args) => {
    appRuns++;
    return viaApp(...args);
  };
  server = await startNodeServer(app, { port: 0, host: "127.0.0.1" });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await s3server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET (or other method) over HTTP with exactly these headers (no Accept-Encoding unless given). */
function request(pathAndQuery: string, headers: Record<string, string>, method = "GET") {
  return new Promise<Got>((resolve, reject) => {
    const req = http.request(`${server.url}${pathAndQuery}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Asks over HTTP and in-process; expects the same status, headers and body, and says whether the app ran. */
async function sameAsApp(pathAndQuery: string, headers: Record<string, string>) {
  const before = appRuns;
  const got = await request(pathAndQuery, headers);
  const ranApp = appRuns > before;
  const ref = await app.request(pathAndQuery, { headers });
  appRuns--; // app.request goes through app.fetch too
  expect(got.status).toBe(ref.status);
  for (const name of COMPARED)
    expect([name, got.headers[name] ?? null]).toEqual([name, ref.headers.get(name)]);
  const refBody = Buffer.from(await ref.arrayBuffer());
  expect(got.body.equals(refBody)).toBe(true);
  if (got.status === 200) expect(Number(got.headers["content-length"])).toBe(got.body.length);
  return { got, ranApp };
}

describe("cached range playlists sent by the Node server", () => {
  it("answers a repeat of a cached playlist's URL without the app, with the app's headers and bytes", async () => {
    const first = await sameAsApp(vodPath, auth);
    expect(first.got.status).toBe(200);
    expect(first.ranApp).toBe(true);
    expect(first.got.headers["cache-control"]).toMatch(/immutable/);
    const again = await sameAsApp(vodPath, auth);
    expect(again.ranApp).toBe(false);
    expect(again.got.body.toString()).toContain("#EXT-X-ENDLIST");
    const withOrigin = await sameAsApp(vodPath, { ...auth, origin: "http://player.example" });
    expect(withOrigin.ranApp).toBe(false);
    expect(withOrigin.got.headers["access-control-allow-origin"]).toBe("*");
  });

  it("304 for a matching If-None-Match, gzip and br as Accept-Encoding asks, all without the app", async () => {
    const plain = await sameAsApp(vodPath, auth);
    const etag = plain.got.headers.etag!;
    const notModified = await sameAsApp(vodPath, { ...auth, "if-none-match": etag });
    expect(notModified.got.status).toBe(304);
    expect(notModified.ranApp).toBe(false);
    const gzip = await sameAsApp(vodPath, { ...auth, "accept-encoding": "gzip, br" });
    expect(gzip.got.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.got.body).equals(plain.got.body)).toBe(true);
    const br = await sameAsApp(vodPath, { ...auth, "accept-encoding": "br" });
    expect(br.got.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(br.got.body).equals(plain.got.body)).toBe(true);
    expect(gzip.ranApp || br.ranApp).toBe(false);
  });

  it("leaves refusals to the app: no token, a wrong token, HEAD", async () => {
    await sameAsApp(vodPath, auth);
    const none = await sameAsApp(vodPath, {});
    expect(none.got.status).toBe(401);
    expect(none.ranApp).toBe(true);
    const wrong = await sameAsApp(vodPath, { authorization: "Bearer not-the-token-0000" });
    expect(wrong.got.status).toBe(401);
    expect(wrong.ranApp).toBe(true);
    const before = appRuns;
    const head = await request(vodPath, auth, "HEAD");
    expect(head.status).toBe(200);
    expect(appRuns).toBe(before + 1);
  });

  it("a signed URL: answered without the app while it is good, by the app (403) once it expired", async () => {
    const exp = Math.floor(now / 1000) + 60;
    const range = { startMs: T0, endMs: END };
    const q = signedQuery(config.signingKey!, { channel: "cam1", resource: "vod", ...range }, exp);
    const signed = `${vodPath}&${q}`;
    expect((await sameAsApp(signed, {})).ranApp).toBe(true);
    const again = await sameAsApp(signed, {});
    expect(again.got.status).toBe(200);
    expect(again.ranApp).toBe(false);
    const saved = now;
    now = (exp + 1) * 1000;
    try {
      const expired = await sameAsApp(signed, {});
      expect(expired.got.status).toBe(403);
      expect(expired.ranApp).toBe(true);
    } finally {
      now = saved;
    }
  });

  it("goes back to the app when the playlist leaves the cache or the heartbeat says uploads are on their way", async () => {
    await sameAsApp(vodPath, auth);
    expect((await sameAsApp(vodPath, auth)).ranApp).toBe(false);
    cache.dropChannel("cam1");
    expect((await sameAsApp(vodPath, auth)).ranApp).toBe(true);
    expect((await sameAsApp(vodPath, auth)).ranApp).toBe(false);

    // A recorder back from an outage with a segment of the range still in its spool.
    const s3 = createS3Client(config.s3);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: statusKey("movie", "cam1"),
        Body: JSON.stringify(
          heartbeat(now, { queue: { segments: 1, bytes: 2, oldestStartMs: T0 + 30_000 } }),
        ),
      }),
    );
    now += META_CACHE_MS; // the heartbeat read before has aged out
    const pending = await sameAsApp(vodPath, auth);
    expect(pending.ranApp).toBe(true);
    expect(pending.got.headers["cache-control"]).toBe("private, max-age=1");
    expect((await sameAsApp(vodPath, auth)).ranApp).toBe(true);
    s3.destroy();
  });
});
