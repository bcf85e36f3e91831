import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseSegmentKey, parseThumbnailKey } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runDaemon } from "../../recorder/src/daemon";
import { run } from "../helpers/ffmpeg-tools";
import { getObject, listAll, startTestS3, type TestS3 } from "../helpers/s3";

/**
 * The recorder daemon in-process against the embedded S3 server, recording
 * the test pattern in 2 s segments with THUMBNAIL_WIDTH=160: every uploaded
 * segment gets one thumbnail under movie/_thumbs/, a JPEG of that width
 * that ffmpeg decodes, and the spool's thumbnail folders end empty.
 */
const CHANNEL = "porch";
const WIDTH = 160;
let s3: TestS3;
let spool: string;

beforeAll(async () => {
  s3 = await startTestS3({ bucket: "kiroku-thumbs" });
  spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-thumbs-"));
});
afterAll(async () => {
  await s3?.cleanup();
  if (spool) await rm(spool, { recursive: true, force: true });
});

it("uploads one decodable JPEG of the configured width per uploaded segment, outside the segment prefix", async () => {
  const stop = new AbortController();
  const daemon = runDaemon({
    env: {
      ...s3.env,
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      CHANNEL,
      SOURCE: "test",
      VIDEO_SIZE: "640x360",
      FRAMERATE: "15",
      TARGET_DURATION: "2",
      THUMBNAIL_WIDTH: String(WIDTH),
      STATUS_INTERVAL: "1",
      METRICS_PORT: "0",
      SPOOL_DIR: spool,
      SPOOL_MIN_FREE_BYTES: "0",
      CLOCK_SYNC: "off",
      UPLOAD_STOP_GRACE_SECONDS: "20",
      LOG_LEVEL: "warn",
    },
    signal: stop.signal,
  });
  const segmentKeys = async () =>
    (await listAll(s3.s3, s3.bucket, `movie/${CHANNEL}/`)).filter((o) =>
      parseSegmentKey("movie", o.key),
    );
  try {
    // Generous: a busy machine starts ffmpeg slowly.
    const deadline = Date.now() + 120_000;
    while ((await segmentKeys()).length < 6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    stop.abort();
    await daemon;
  }
  const segments = await segmentKeys();
  expect(segments.length).toBeGreaterThanOrEqual(6);
  const thumbs = await listAll(s3.s3, s3.bucket, "movie/_thumbs/");
  // One per segment, named after it.
  const bySegment = thumbs.map((t) => parseThumbnailKey("movie", t.key));
  expect(bySegment.every((t) => t !== undefined)).toBe(true);
  expect(bySegment.map((t) => `${t!.startMs}_r${t!.run}_s${t!.seq}`).sort()).toEqual(
    segments
      .map((o) => parseSegmentKey("movie", o.key)!)
      .map((s) => `${s.startMs}_r${s.run}_s${s.seq}`)
      .sort(),
  );
  // Each a JPEG of the configured width (360/640 of it high, even) that decodes.
  for (const t of thumbs) {
    const { body, contentType } = await getObject(s3.s3, s3.bucket, t.key);
    expect(contentType).toBe("image/jpeg");
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(body.length).toBeLessThan(30_000);
    const file = path.join(spool, "check.jpg");
    await writeFile(file, body);
    const probe = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_name,width,height",
      "-of",
      "csv=p=0",
      file,
    ]);
    expect(probe.stdout.trim()).toBe(`mjpeg,${WIDTH},90`);
    const decode = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]);
    expect(decode.code).toBe(0);
    expect(decode.stderr.trim()).toBe("");
  }
  // Nothing left behind: every link extracted, every JPEG uploaded and removed.
  const left = path.join(spool, CHANNEL, "thumbnails");
  expect(await readdir(path.join(left, "work"))).toEqual([]);
  expect((await readdir(path.join(left, "queue"))).filter((f) => !f.startsWith("."))).toEqual([]);
}, 180_000);
