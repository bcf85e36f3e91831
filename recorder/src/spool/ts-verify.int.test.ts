import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { decodes, probeDurationMs } from "@kiroku/test/ffmpeg-tools";
import {
  makeAudioOnlyTs,
  makeRecorderSegment,
  videoFrameOffsets,
} from "@kiroku/test/recorder-segment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TS_PACKET_SIZE, type TsAccepted, verifyTs } from "./ts-verify";

/**
 * The verifier on real segments: made with the recorder's own ffmpeg
 * arguments, then torn the ways a power cut or a crash tears them. ffprobe
 * and ffmpeg's decoder are the reference for every duration and every trim.
 */
let dir: string;
let av: Buffer; // 2 s, H.264 + AAC, as the test-pattern channel records
let avCsvMs: number;
let avFrames: number[]; // byte offsets of video frames (PES starts)
let vOnly: Buffer;
let audioOnly: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-ts-verify-"));
  await mkdir(path.join(dir, "av"));
  await mkdir(path.join(dir, "v"));
  const [a, v] = await Promise.all([
    makeRecorderSegment({ dir: path.join(dir, "av"), audio: true }),
    makeRecorderSegment({ dir: path.join(dir, "v"), audio: false }),
    makeAudioOnlyTs(path.join(dir, "audio.ts")),
  ]);
  av = await readFile(a!.path);
  avCsvMs = a!.csvDurationMs;
  avFrames = await videoFrameOffsets(a!.path);
  vOnly = await readFile(v!.path);
  audioOnly = await readFile(path.join(dir, "audio.ts"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** Writes bytes to a fresh file in the temp folder. */
async function save(bytes: Uint8Array, label: string): Promise<string> {
  const file = path.join(dir, `${n++}-${label}.ts`);
  await writeFile(file, bytes);
  return file;
}

function accepted(bytes: Uint8Array): TsAccepted {
  const verdict = verifyTs(bytes);
  if (!verdict.ok) throw new Error(`rejected: ${verdict.code}: ${verdict.reason}`);
  return verdict;
}

/** The kept part decodes without a single error and lasts what the verdict says (ffprobe, ±50 ms). */
async function expectCleanTrim(
  torn: Uint8Array,
  label: string,
  shorter = true,
): Promise<TsAccepted> {
  const verdict = accepted(torn);
  expect(verdict.trimmed).toBe(true);
  expect(verdict.validBytes % TS_PACKET_SIZE).toBe(0);
  expect(verdict.validBytes).toBeLessThanOrEqual(torn.length);
  const kept = await save(torn.subarray(0, verdict.validBytes), `${label}-kept`);
  expect(await decodes(kept)).toEqual({ ok: true, errors: "" });
  expect(Math.abs(verdict.durationMs - (await probeDurationMs(kept)))).toBeLessThanOrEqual(50);
  if (shorter) expect(verdict.durationMs).toBeLessThan(avCsvMs - 30);
  return verdict;
}

describe("verifyTs on real segments", () => {
  it("accepts a whole segment as it is, with ffprobe's duration", async () => {
    const verdict = accepted(av);
    expect(verdict).toMatchObject({ trimmed: false, validBytes: av.length, bytes: av.length });
    expect(verdict.video.codec).toBe("h264");
    expect(verdict.audio?.codec).toBe("aac");
    expect(verdict.video.pes).toBe(avFrames.length);
    const probed = await probeDurationMs(await save(av, "whole"));
    expect(Math.abs(verdict.durationMs - probed)).toBeLessThanOrEqual(50);
    expect(Math.abs(verdict.durationMs - avCsvMs)).toBeLessThanOrEqual(50);
  });

  it("accepts a whole video-only segment untrimmed (the last frame is known complete)", async () => {
    const verdict = accepted(vOnly);
    expect(verdict).toMatchObject({ trimmed: false, validBytes: vOnly.length });
    expect(verdict.audio).toBeUndefined();
    const probed = await probeDurationMs(await save(vOnly, "vonly"));
    expect(Math.abs(verdict.durationMs - probed)).toBeLessThanOrEqual(50);
  });

  it("trims a file cut in the middle of a packet to whole frames, with the shorter duration", async () => {
    const cut = Math.floor((av.length * 0.6) / TS_PACKET_SIZE) * TS_PACKET_SIZE + 77;
    const verdict = await expectCleanTrim(av.subarray(0, cut), "mid-packet");
    expect(verdict.trimReason).toMatch(/partial packet/);
  });

  it("trims a file cut on a packet boundary inside a frame (that frame is dropped)", async () => {
    // A packet boundary three packets into a frame in the middle of the segment.
    const frame = avFrames[Math.floor(avFrames.length / 2)]!;
    const verdict = await expectCleanTrim(av.subarray(0, frame + 3 * TS_PACKET_SIZE), "mid-pes");
    expect(verdict.validBytes).toBeLessThanOrEqual(frame);
    expect(verdict.trimReason).toMatch(/incomplete last PES/);
  });

  it("trims a file cut at half its size", async () => {
    const half = await expectCleanTrim(av.subarray(0, Math.floor(av.length / 2)), "half");
    expect(Math.abs(half.durationMs - avCsvMs / 2)).toBeLessThan(400);
  });

  it("trims a file cut one byte short (its last PES, whatever it carries, is dropped)", async () => {
    const short = await expectCleanTrim(av.subarray(0, av.length - 1), "one-short", false);
    expect(short.validBytes).toBeLessThan(av.length - TS_PACKET_SIZE);
    expect(short.durationMs).toBeLessThanOrEqual(accepted(av).durationMs);
    expect(short.durationMs).toBeGreaterThan(avCsvMs - 200);
  });

  it("trims a video-only file cut inside a frame", async () => {
    const cut = Math.floor((vOnly.length * 0.7) / TS_PACKET_SIZE) * TS_PACKET_SIZE;
    const verdict = accepted(vOnly.subarray(0, cut));
    expect(verdict.trimmed).toBe(true);
    const kept = await save(vOnly.subarray(0, verdict.validBytes), "vonly-kept");
    expect(await decodes(kept)).toEqual({ ok: true, errors: "" });
    expect(Math.abs(verdict.durationMs - (await probeDurationMs(kept)))).toBeLessThanOrEqual(50);
  });

  it("trims a zero-filled tail (blocks allocated but never written before a power cut)", async () => {
    const torn = Buffer.from(av);
    const from = Math.floor(av.length * 0.55);
    torn.fill(0, from);
    const verdict = await expectCleanTrim(torn, "zero-tail");
    expect(verdict.validBytes).toBeLessThanOrEqual(from);
    expect(verdict.trimReason).toMatch(/lost sync/);
  });

  it("distrusts the whole packet in which zeros or garbage begin, even one that closes a PES", async () => {
    // Damage from a power cut starts on a 4 KiB block, not on a packet: the
    // packet holding its first byte keeps a valid header and adaptation
    // field (ffmpeg's stuffing marks the last packet of a PES) while its
    // payload tail is lost. Every packet that ends a PES right before a
    // video frame starts is tried, with zeros and with garbage.
    let tried = 0;
    for (const frame of avFrames.slice(3, -1)) {
      const last = frame - TS_PACKET_SIZE; // the packet before a video PES starts
      for (const fill of ["zeros", "garbage"] as const) {
        const torn = Buffer.from(av);
        const from = last + 150; // inside its payload, past any header
        if (fill === "zeros") torn.fill(0, from);
        else randomBytes(av.length - from).copy(torn, from);
        const verdict = accepted(torn);
        expect(verdict.validBytes, `${fill} from byte ${from}`).toBeLessThanOrEqual(from);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(20);
  });

  it("trims a last frame zeroed inside its last packet's payload (no header shows the damage)", async () => {
    // A power cut that zeroes the file's last block when that block holds
    // only the end of the last packet: every header is intact.
    for (const [label, whole] of [
      ["av", av],
      ["video-only", vOnly],
    ] as const) {
      for (const back of [3, 40, 150]) {
        const torn = Buffer.from(whole);
        torn.fill(0, whole.length - back);
        const verdict = await expectCleanTrim(torn, `${label}-last-${back}`, false);
        expect(verdict.trimReason).toBe("last frame ends in zero bytes (its tail was lost)");
      }
    }
  });

  it("trims a garbage tail", async () => {
    const torn = Buffer.from(av);
    const from = Math.floor(av.length * 0.4);
    randomBytes(av.length - from).copy(torn, from);
    const verdict = await expectCleanTrim(torn, "garbage-tail");
    expect(verdict.validBytes).toBeLessThanOrEqual(from);
  });

  it("trims whole packets of garbage that keep the sync byte (continuity breaks)", async () => {
    const torn = Buffer.from(av);
    const from = Math.floor((av.length * 0.5) / TS_PACKET_SIZE) * TS_PACKET_SIZE;
    for (let off = from; off + TS_PACKET_SIZE <= torn.length; off += TS_PACKET_SIZE) {
      randomBytes(TS_PACKET_SIZE).copy(torn, off);
      torn[off] = 0x47;
      torn[off + 1] = torn[off + 1]! & 0x7f; // no transport-error flag: only the content is foreign
    }
    const verdict = await expectCleanTrim(torn, "sync-garbage");
    expect(verdict.validBytes).toBeLessThanOrEqual(from);
  });

  it("rejects audio without video", () => {
    const verdict = verifyTs(audioOnly);
    expect(verdict).toMatchObject({ ok: false, code: "no-video" });
    if (!verdict.ok) expect(verdict.reason).toMatch(/no video stream \(streams: aac\)/);
  });

  it("rejects a file whose first frame is not a keyframe", () => {
    // PAT and PMT of the real file, then the media from its second frame on.
    const head = av.subarray(0, 2 * TS_PACKET_SIZE);
    expect(avFrames[0]).toBeGreaterThanOrEqual(head.length);
    const body = av.subarray(avFrames[1]!);
    const verdict = verifyTs(Buffer.concat([head, body]));
    expect(verdict).toMatchObject({ ok: false, code: "no-keyframe" });
  });

  it("rejects a file torn before its second frame", () => {
    const verdict = verifyTs(av.subarray(0, avFrames[1]! + 2 * TS_PACKET_SIZE));
    expect(verdict).toMatchObject({ ok: false, code: "too-short" });
  });

  it("rejects zeros, random bytes, and random packets with sync bytes", () => {
    expect(verifyTs(Buffer.alloc(av.length))).toMatchObject({ ok: false, code: "not-ts" });
    const random = randomBytes(256 * 1024);
    random[0] = 0x00;
    expect(verifyTs(random)).toMatchObject({ ok: false, code: "not-ts" });
    for (let off = 0; off < random.length; off += TS_PACKET_SIZE) random[off] = 0x47;
    const verdict = verifyTs(random);
    expect(verdict.ok).toBe(false);
  });
});
