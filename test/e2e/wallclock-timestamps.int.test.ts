import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { probePackets, waitFor } from "@kiroku/test/ffmpeg-tools";
import { getBytes, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { bucketSegments, type DaemonProcess, sleep, startDaemon } from "./upload-harness";

/**
 * Timestamps that tell the time: a real recorder (test pattern, 15 fps, 2 s
 * segments) records two runs with a pause between them. Each segment's first
 * video PTS, read here with a reader of our own (not the recorder's
 * verifier), is its key's start on the 90 kHz clock (mod 2^33) within one
 * frame, and the range across the restart, fetched as the API's VOD playlist,
 * remuxes with `ffmpeg -c copy` without a timestamp going back.
 */
const FPS = 15;
const WRAP = 2 ** 33;

/** First PTS of the first video PES (stream id 0xE0-0xEF) in a TS file. */
function firstVideoPts(ts: Buffer): number | undefined {
  for (let i = 0; i + 188 <= ts.length; i += 188) {
    if (ts[i] !== 0x47 || !(ts[i + 1]! & 0x40)) continue; // sync, payload unit start
    let p = i + 4;
    if (ts[i + 3]! & 0x20) p += 1 + ts[p]!; // adaptation field
    if (ts[p] !== 0 || ts[p + 1] !== 0 || ts[p + 2] !== 1) continue;
    const sid = ts[p + 3]!;
    if (sid < 0xe0 || sid > 0xef || !(ts[p + 7]! & 0x80)) continue;
    const b = ts.subarray(p + 9, p + 14);
    return (
      ((b[0]! >> 1) & 7) * 2 ** 30 +
      (b[1]! << 22) +
      ((b[2]! >> 1) << 15) +
      (b[3]! << 7) +
      (b[4]! >> 1)
    );
  }
  return undefined;
}

/** PTS minus the key's start on the 33-bit 90 kHz clock, folded into ±half a wrap, in ms. */
function ptsOffsetMs(pts: number, keyStartMs: number): number {
  let d = (pts - ((keyStartMs * 90) % WRAP)) % WRAP;
  if (d > WRAP / 2) d -= WRAP;
  if (d < -WRAP / 2) d += WRAP;
  return d / 90;
}

describe("wall-clock timestamps across a recorder restart", () => {
  let s3: TestS3;
  let spool: string;
  let daemon: DaemonProcess | undefined;
  let api: ApiProcess;

  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "kiroku-wallclock-pts" });
    spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-wallclock-pts-"));
    api = await startApiProcess({ ...s3.env, TARGET_DURATION: "2", PUBLIC_PLAYBACK: "true" });
  });

  afterAll(async () => {
    await daemon?.stop();
    await api?.stop();
    await s3?.cleanup();
    await rm(spool, { recursive: true, force: true });
  });

  it("keys and PTS agree within a frame, and a range across the restart remuxes without DTS going back", async () => {
    const env = { ...s3.env, CHANNEL: "cam1", SPOOL_DIR: spool, FRAMERATE: String(FPS) };
    const segmentsAtLeast = (n: number) =>
      waitFor(
        async () => ((await bucketSegments(s3, "cam1")).length >= n ? true : undefined),
        60_000,
        `${n} segments`,
        250,
      );
    daemon = startDaemon(env);
    await segmentsAtLeast(3);
    await daemon.stop("SIGTERM");
    await sleep(3_000);
    const before = (await bucketSegments(s3, "cam1")).length;
    daemon = startDaemon(env);
    await segmentsAtLeast(before + 3);
    await daemon.stop("SIGTERM");

    const segments = await bucketSegments(s3, "cam1");
    const runs = new Set(segments.map((s) => s.run));
    expect(runs.size).toBeGreaterThanOrEqual(2);
    const offsets: number[] = [];
    for (const s of segments) {
      const pts = firstVideoPts(await getBytes(s3.s3, s3.bucket, s.key));
      expect(pts, s.key).toBeDefined();
      offsets.push(ptsOffsetMs(pts!, s.startMs));
    }
    console.log(
      `PTS minus key start, ms: ${offsets.map((o) => o.toFixed(1)).join(", ")} (one frame = ${(1000 / FPS).toFixed(1)} ms)`,
    );
    for (const o of offsets) expect(Math.abs(o)).toBeLessThanOrEqual(1000 / FPS);

    // The whole range, both runs, through the API's VOD playlist and ffmpeg's HLS client.
    const first = segments[0]!;
    const last = segments.at(-1)!;
    const url = `${api.url}/v1/channels/cam1/vod.m3u8?start=${first.startMs}&end=${last.startMs + last.durationMs}`;
    // Once the range is over the playlist is VOD (ENDLIST): ffmpeg reads it from the start.
    await waitFor(
      async () => ((await (await fetch(url)).text()).includes("#EXT-X-ENDLIST") ? true : undefined),
      60_000,
      "the range playlist to be final",
      500,
    );
    const out = path.join(spool, "range.ts");
    const log = await new Promise<string>((resolve, reject) => {
      const ff = spawn(
        "ffmpeg",
        [
          "-hide_banner",
          "-nostdin",
          "-loglevel",
          "verbose",
          "-i",
          url,
          "-c",
          "copy",
          "-f",
          "mpegts",
          "-y",
          out,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let err = "";
      ff.stderr.on("data", (d) => {
        err += d;
      });
      ff.once("error", reject);
      ff.once("exit", (code) =>
        code === 0 ? resolve(err) : reject(new Error(`ffmpeg exit ${code}:\n${err}`)),
      );
    });
    expect(log).not.toMatch(/Failed to open segment/i);
    expect(log).not.toMatch(/non-monotonous DTS/i);
    expect(log).not.toMatch(/non monotonically increasing dts/i);
    // Every segment was read: the remux holds the frames of both runs, in order.
    const packets = await probePackets(out);
    const recordedS = segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000;
    expect(packets.length).toBeGreaterThanOrEqual(Math.floor(recordedS * FPS) - 2);
    // (ffmpeg itself closes gaps over -dts_delta_threshold, 10 s, in what it writes:
    // the output's span says nothing about ours; its order does.)
    for (let i = 1; i < packets.length; i++)
      expect(packets[i]!.pts).toBeGreaterThan(packets[i - 1]!.pts);
  }, 180_000);
});
