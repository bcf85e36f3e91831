import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFromEnv } from "../../api/src/bootstrap";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { run } from "../helpers/ffmpeg-tools";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { makeSegmentFiles, uploadRun } from "../helpers/segments";
import { launchVideoPage, type VideoPage } from "../helpers/video-element";

/**
 * clip.mp4 end to end: the real API process over the embedded S3 server,
 * real segments (two recording runs with a restart between them), ffprobe
 * and ffmpeg as the judges of the file, Chromium's own `<video>` (no
 * script player) as the phone-like client.
 */
const BUCKET = "kiroku-mp4";
const TOKEN = "mp4-token-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
/** Another channel whose segments have a keyframe every second inside 4 s segments. */
const GOP_T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const FRAME_S = 1 / 25;
let bucket: RecordedBucket;
let segments: StoredSegment[];
let gopSegments: StoredSegment[];
let api: ApiProcess;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0, segmentsPerRun: 3 });
  segments = bucket.segments;
  const files = await makeSegmentFiles({ count: 3, segmentSeconds: 4, keyframeSeconds: 1 });
  gopSegments = await uploadRun({
    s3: bucket.s3,
    bucket: BUCKET,
    movieKey: "movie",
    channel: "gop",
    run: 1,
    firstSeq: 0,
    startMs: GOP_T0,
    files,
  });
  api = await startApiProcess({
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    SIGNING_SECRET: "mp4-signing-secret-0123456789abcdef",
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await bucket?.cleanup();
});

async function download(url: string, name: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const file = path.join(bucket.work, name);
  const body = new Uint8Array(await res.arrayBuffer());
  await writeFile(file, body);
  return { res, file, body };
}

async function probe(file: string) {
  const res = await run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=format_name,duration:stream=codec_type,codec_name",
    "-of",
    "json",
    file,
  ]);
  if (res.code !== 0) throw new Error(`ffprobe failed: ${res.stderr}`);
  const out = JSON.parse(res.stdout) as {
    format: { format_name: string; duration: string };
    streams: { codec_type: string; codec_name: string }[];
  };
  return { ...out, duration: Number(out.format.duration) };
}

describe("a range across a recorder restart", () => {
  let file: string;
  let res: Response;

  beforeAll(async () => {
    ({ res, file } = await download(
      `${api.url}/v1/channels/cam1/clip.mp4?start=${T0}&end=${bucket.endMs}`,
      "restart.mp4",
      { headers: AUTH },
    ));
  });

  it("answers an MP4 attachment with the clip headers", () => {
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="cam1_.+\.mp4"$/);
    expect(res.headers.get("x-kiroku-segments")).toBe("6");
    expect(Date.parse(res.headers.get("x-kiroku-clip-start")!)).toBe(T0);
    const last = segments.at(-1)!;
    expect(Date.parse(res.headers.get("x-kiroku-clip-end")!)).toBe(last.startMs + last.durationMs);
  });

  it("is an MP4 with H.264 and AAC whose duration is the covered segments' within one frame", async () => {
    const info = await probe(file);
    expect(info.format.format_name).toContain("mp4");
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    const covered = segments.reduce((s, x) => s + x.durationMs, 0) / 1000;
    expect(Math.abs(info.duration - covered)).toBeLessThanOrEqual(FRAME_S);
  });

  it("decodes from end to end without an error, every frame there", async () => {
    const res = await run("ffmpeg", ["-v", "error", "-i", file, "-map", "0:v", "-f", "null", "-"]);
    expect(res.code).toBe(0);
    expect(res.stderr.trim()).toBe("");
    const frames = await run("ffprobe", [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v",
      "-show_entries",
      "stream=nb_read_frames",
      "-of",
      "csv=p=0",
      file,
    ]);
    // 2 s segments at 25 fps.
    expect(Number(frames.stdout.trim())).toBe(segments.length * 50);
  });

  it("plays in Chromium's own <video> element across the restart", async () => {
    const session = await fetch(`${api.url}/v1/channels/cam1/sessions`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ mode: "clip", start: T0, end: bucket.endMs }),
    });
    expect(session.status).toBe(201);
    const { url } = (await session.json()) as { url: string };
    let page: VideoPage | undefined;
    try {
      page = await launchVideoPage();
      // The clip session's signed query opens the MP4 as well as the MPEG-TS.
      await page.play(url.replace("/clip.ts?", "/clip.mp4?"));
      const run1Seconds = segments.slice(0, 3).reduce((s, x) => s + x.durationMs, 0) / 1000;
      const crossed = await page.waitFor((s) => s.currentTime > run1Seconds + 1, 60_000);
      expect(crossed.error).toBeNull();
      // And on to the end of the file.
      const covered = segments.reduce((s, x) => s + x.durationMs, 0) / 1000;
      const ended = await page.waitFor((s) => s.ended, 60_000);
      expect(ended.currentTime).toBeGreaterThan(covered - 0.1);
      expect(ended.error).toBeNull();
    } finally {
      await page?.close();
    }
  }, 90_000);
});

describe("where the file starts", () => {
  it("starts at the keyframe at or before start, inside a segment (no edit list)", async () => {
    const [first, second, third] = gopSegments as [StoredSegment, StoredSegment, StoredSegment];
    const startMs = second.startMs + 2_500;
    const { res, file } = await download(
      `${api.url}/v1/channels/gop/clip.mp4?start=${startMs}&end=${third.startMs + 1_000}`,
      "gop.mp4",
      { headers: AUTH },
    );
    expect(res.status).toBe(200);
    expect(first).toBeDefined();
    // Keyframes every second: the one at 2 s into the second segment.
    const clipStart = Date.parse(res.headers.get("x-kiroku-clip-start")!);
    expect(Math.abs(clipStart - (second.startMs + 2_000))).toBeLessThanOrEqual(FRAME_S * 1000);
    const info = await probe(file);
    const expected = (second.durationMs - 2_000 + third.durationMs) / 1000;
    expect(Math.abs(info.duration - expected)).toBeLessThanOrEqual(FRAME_S + 0.001);
    // Its first frame is a keyframe at time 0: nothing before it needs a frame that is not there.
    const frames = await run("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      "v",
      "-show_entries",
      "packet=pts_time,flags",
      "-read_intervals",
      "%+#1",
      "-of",
      "csv=p=0",
      file,
    ]);
    const [pts, flags] = frames.stdout.trim().split("\n")[0]!.split(",");
    expect(Number(pts)).toBe(0);
    expect(flags).toContain("K");
  });
});

describe("the same checks as clip.ts", () => {
  it("HEAD answers the headers without a body", async () => {
    const res = await fetch(
      `${api.url}/v1/channels/cam1/clip.mp4?start=${T0}&end=${bucket.endMs}`,
      {
        method: "HEAD",
        headers: AUTH,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("x-kiroku-segments")).toBe("6");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("refuses a clip over CLIP_MAX_BYTES with 413 before any byte of video", async () => {
    const oneRun = segments.slice(0, 3).reduce((s, x) => s + x.size!, 0);
    const { app } = appFromEnv({
      ...bucket.env,
      TARGET_DURATION: "2",
      API_TOKEN: TOKEN,
      CLIP_MAX_BYTES: String(oneRun),
      LOG_LEVEL: "silent",
    });
    const over = await app.request(`/v1/channels/cam1/clip.mp4?start=${T0}&end=${bucket.endMs}`, {
      headers: AUTH,
    });
    expect(over.status).toBe(413);
    expect(over.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe("CLIP_TOO_LARGE");
    const run1End = segments[2]!.startMs + segments[2]!.durationMs;
    const within = await app.request(`/v1/channels/cam1/clip.mp4?start=${T0}&end=${run1End}`, {
      headers: AUTH,
    });
    expect(within.status).toBe(200);
    expect((await within.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("answers 404 for a range without segments and 401 without credentials", async () => {
    const empty = await fetch(
      `${api.url}/v1/channels/cam1/clip.mp4?start=${T0 - 3_600_000}&duration=60`,
      { headers: AUTH },
    );
    expect(empty.status).toBe(404);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe("NO_SEGMENTS");
    const anonymous = await fetch(
      `${api.url}/v1/channels/cam1/clip.mp4?start=${T0}&end=${bucket.endMs}`,
    );
    expect(anonymous.status).toBe(401);
  });

  it("names the bad field with a 400", async () => {
    const res = await fetch(`${api.url}/v1/channels/cam1/clip.mp4?start=noon&duration=60`, {
      headers: AUTH,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string } };
    expect(body.error.field).toBe("start");
  });
});
