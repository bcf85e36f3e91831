import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type StoredSegment, thumbnailKey } from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedQuery } from "../../api/src/access/auth";
import { appFromEnv } from "../../api/src/bootstrap";
import { thumbnailArgs } from "../../recorder/src/capture/thumbnail-args";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";

/**
 * image.jpg and images against the embedded S3 server holding the standard
 * recording (two runs of three 2 s segments, 5 s apart) and a real
 * thumbnail of each segment, made with the recorder's own ffmpeg arguments.
 * The app runs in-process, once per SEGMENT_URLS mode.
 */
const run = promisify(execFile);
const BUCKET = "kiroku-images";
const TOKEN = "images-token-0123456789";
const SECRET = "images-signing-secret-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let bucket: RecordedBucket;
let segments: StoredSegment[];
const jpegs = new Map<number, Buffer>();

type App = ReturnType<typeof appFromEnv>["app"];
const apps = new Map<string, App>();
const app = (mode = "presigned") => {
  let a = apps.get(mode);
  if (!a) {
    a = appFromEnv({
      ...bucket.env,
      TARGET_DURATION: "2",
      API_TOKEN: TOKEN,
      SIGNING_SECRET: SECRET,
      SEGMENT_URLS: mode,
      LOG_LEVEL: "silent",
    }).app;
    apps.set(mode, a);
  }
  return a;
};

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  for (const seg of segments) {
    // The fixture's segments are uploaded from cached files: read each back and thumbnail it.
    const res = await bucket.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: seg.key }));
    const ts = path.join(bucket.work, `${seg.seq}.ts`);
    const jpg = path.join(bucket.work, `${seg.seq}.jpg`);
    await writeFile(ts, await res.Body!.transformToByteArray());
    await run("ffmpeg", thumbnailArgs(ts, jpg, 160));
    const body = await readFile(jpg);
    jpegs.set(seg.startMs, body);
    await bucket.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: thumbnailKey("movie", seg),
        Body: body,
        ContentType: "image/jpeg",
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await bucket?.cleanup();
});

async function image(at: number | string, extra = "", headers: Record<string, string> = AUTH) {
  return app().request(`/v1/channels/cam1/image.jpg?at=${at}${extra}`, { headers });
}

describe("image.jpg?at=", () => {
  it("answers the thumbnail of the segment playing at a time inside it", async () => {
    const seg = segments[1]!;
    const res = await image(seg.startMs + 1_000);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(Date.parse(res.headers.get("x-kiroku-image-time")!)).toBe(seg.startMs);
    expect(Buffer.from(await res.arrayBuffer()).equals(jpegs.get(seg.startMs)!)).toBe(true);
  });

  it("takes a segment's own image at its first millisecond and the next one's at its end", async () => {
    const [a, b] = segments as [StoredSegment, StoredSegment];
    const atStart = await image(a.startMs);
    expect(Date.parse(atStart.headers.get("x-kiroku-image-time")!)).toBe(a.startMs);
    const atEnd = await image(a.startMs + a.durationMs);
    expect(Date.parse(atEnd.headers.get("x-kiroku-image-time")!)).toBe(b.startMs);
    const justBefore = await image(b.startMs - 1);
    expect(Date.parse(justBefore.headers.get("x-kiroku-image-time")!)).toBe(a.startMs);
  });

  it("answers the last image before a gap within two segment durations, and 404 naming the time beyond", async () => {
    const lastOfRun1 = segments[2]!;
    const inGap = await image(lastOfRun1.startMs + 3_500);
    expect(inGap.status).toBe(200);
    expect(Date.parse(inGap.headers.get("x-kiroku-image-time")!)).toBe(lastOfRun1.startMs);
    const far = lastOfRun1.startMs + 4_500;
    const none = await image(far);
    expect(none.status).toBe(404);
    const body = (await none.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NO_IMAGE");
    expect(body.error.message).toContain(new Date(far).toISOString());
    expect((await image(T0 - 1)).status).toBe(404);
  });

  it("refuses a bad or missing at with a 400 naming it", async () => {
    for (const at of ["noon", ""]) {
      const res = await image(at);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe("at");
    }
    const missing = await app().request("/v1/channels/cam1/image.jpg", { headers: AUTH });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { field: string } }).error.field).toBe("at");
  });

  it("follows the playback rules: 401 without credentials, a range session opens the images of its range only", async () => {
    expect((await image(T0 + 1_000, "", {})).status).toBe(401);
    const range = { startMs: T0, endMs: segments[2]!.startMs + 2_000 };
    const exp = Math.floor(Date.now() / 1000) + 600;
    const q = signedQuery(Buffer.from(SECRET), { channel: "cam1", resource: "vod", ...range }, exp);
    const session = `&start=${range.startMs}&end=${range.endMs}&${q}`;
    const inside = await image(T0 + 2_500, session, {});
    expect(inside.status).toBe(200);
    expect(Date.parse(inside.headers.get("x-kiroku-image-time")!)).toBe(segments[1]!.startMs);
    expect((await image(segments[3]!.startMs, session, {})).status).toBe(403);
    expect((await image(T0 + 2_500, `&${q}`, {})).status).toBe(403);
    const tampered = session.replace(`end=${range.endMs}`, `end=${range.endMs + 1}`);
    expect((await image(T0 + 2_500, tampered, {})).status).toBe(403);
  });
});

describe("images?start&end", () => {
  type Page = {
    images: { time: string; url: string }[];
    next: string | null;
    every: number | null;
  };
  const list = async (
    query: string,
    mode = "presigned",
    headers: Record<string, string> = AUTH,
  ) => {
    const res = await app(mode).request(`/v1/channels/cam1/images?${query}`, { headers });
    return { res, page: res.status === 200 ? ((await res.json()) as Page) : undefined };
  };

  it("pages through every image of the range in time order", async () => {
    const seen: string[] = [];
    let path: string | null = `/v1/channels/cam1/images?start=${T0}&end=${bucket.endMs}&limit=4`;
    let pages = 0;
    while (path) {
      const res = await app().request(path, { headers: AUTH });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      expect(page.images.length).toBeLessThanOrEqual(4);
      seen.push(...page.images.map((i) => i.time));
      path = page.next;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(segments.map((s) => new Date(s.startMs).toISOString()));
  });

  it("keeps images at least `every` seconds apart, across pages too", async () => {
    const { page } = await list(`start=${T0}&end=${bucket.endMs}&every=4`);
    expect(page!.every).toBe(4);
    const times = page!.images.map((i) => Date.parse(i.time));
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(4_000);
    expect(times).toEqual(
      [segments[0]!, segments[2]!, segments[3]!, segments[5]!].map((s) => s.startMs),
    );
    const first = await list(`start=${T0}&end=${bucket.endMs}&every=4&limit=2`);
    const second = await app().request(first.page!.next!, { headers: AUTH });
    const rest = ((await second.json()) as Page).images.map((i) => Date.parse(i.time));
    expect([...first.page!.images.map((i) => Date.parse(i.time)), ...rest]).toEqual(times);
  });

  it("gives URLs that open the JPEG in each segment-URL mode", async () => {
    const presigned = (await list(`start=${T0}&duration=3`)).page!;
    expect(presigned.images[0]!.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/kiroku-images\/movie\/_thumbs\/cam1\//,
    );
    const fromS3 = await fetch(presigned.images[0]!.url);
    expect(fromS3.status).toBe(200);
    expect(Buffer.from(await fromS3.arrayBuffer()).equals(jpegs.get(T0)!)).toBe(true);

    const proxy = (await list(`start=${T0}&duration=3`, "proxy")).page!;
    const url = proxy.images[0]!.url;
    expect(url).toMatch(/^\/v1\/channels\/cam1\/image\.jpg\?at=\d+&start=.*&sig=/);
    // No header: the URL carries its signature.
    const viaApi = await app("proxy").request(url);
    expect(viaApi.status).toBe(200);
    expect(Buffer.from(await viaApi.arrayBuffer()).equals(jpegs.get(T0)!)).toBe(true);
  });

  it("lets a signed range session list its images, and only its range", async () => {
    const range = { startMs: T0, endMs: bucket.endMs };
    const exp = Math.floor(Date.now() / 1000) + 600;
    const q = signedQuery(Buffer.from(SECRET), { channel: "cam1", resource: "vod", ...range }, exp);
    const ok = await list(`start=${range.startMs}&end=${range.endMs}&${q}&limit=2`, "proxy", {});
    expect(ok.res.status).toBe(200);
    expect(ok.page!.images).toHaveLength(2);
    const nextPage = await app("proxy").request(ok.page!.next!);
    expect(nextPage.status).toBe(200);
    const image = await app("proxy").request(ok.page!.images[1]!.url);
    expect(image.status).toBe(200);
    const other = await list(`start=${range.startMs}&end=${range.endMs - 1}&${q}`, "proxy", {});
    expect(other.res.status).toBe(403);
    expect((await list(`start=${T0}&end=${bucket.endMs}`, "presigned", {})).res.status).toBe(401);
  });

  it("refuses a bad every, limit or range with a 400 naming the field", async () => {
    for (const [query, field] of [
      [`start=${T0}&duration=60&every=0`, "every"],
      [`start=${T0}&duration=60&every=soon`, "every"],
      [`start=${T0}&duration=60&limit=0`, "limit"],
      [`start=${T0}&duration=60&limit=2.5`, "limit"],
      [`start=${T0}&duration=60&after=x`, "after"],
      [`start=yesterday&duration=60`, "start"],
    ] as const) {
      const { res } = await list(query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field, query).toBe(field);
    }
  });
});
