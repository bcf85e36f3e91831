import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeSegmentFiles } from "@kiroku/test/segments";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstKeyframe, readFirstKeyframe } from "./first-keyframe";
import { KeyframeDecoder } from "./keyframe-decoder";

/**
 * The long-lived thumbnail decoder against real segments (libx264 in
 * MPEG-TS, as the recorder writes them; testsrc2 draws a different picture
 * in each): every keyframe must come back as its own JPEG, in order, also
 * when two channels' keyframes alternate.
 */
let keyframes: Uint8Array[];
// Generous: the first answer includes ffmpeg's start on a busy machine.
const decoder = new KeyframeDecoder(160, "ffmpeg", 60_000);

beforeAll(async () => {
  const files = await makeSegmentFiles({ count: 3, segmentSeconds: 2, size: "640x360" });
  keyframes = [];
  for (const f of files) keyframes.push((await readFirstKeyframe(f.path))!);
}, 120_000);

afterAll(() => decoder.close());

describe("first keyframe", () => {
  it("reads the IDR picture that opens each segment, with its parameter sets", () => {
    for (const k of keyframes) {
      expect(k).toBeDefined();
      const nalTypes = [...k.keys()]
        .filter((i) => k[i] === 0 && k[i + 1] === 0 && k[i + 2] === 1)
        .map((i) => k[i + 3]! & 0x1f);
      expect(nalTypes).toEqual(expect.arrayContaining([7, 8, 5]));
    }
  });

  it("says nothing for bytes that are not MPEG-TS", () => {
    expect(firstKeyframe(new Uint8Array(188 * 4).fill(1))).toBeUndefined();
  });
});

describe("KeyframeDecoder", () => {
  it("answers each keyframe with its own JPEG, in order, keyframes alternating", {
    timeout: 180_000,
  }, async () => {
    const order = [0, 1, 0, 2, 1, 2];
    const jpegs: Uint8Array[] = [];
    for (const i of order) jpegs.push(await decoder.decode(keyframes[i]!));
    const hex = jpegs.map((j) => Buffer.from(j).toString("hex"));
    // The same keyframe gives the same bytes; different ones differ.
    expect(hex[0]).toBe(hex[2]);
    expect(hex[1]).toBe(hex[4]);
    expect(hex[3]).toBe(hex[5]);
    expect(new Set(hex).size).toBe(3);
    for (const j of jpegs) {
      expect([j[0], j[1], j.at(-2), j.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
    await writeFile(path.join(os.tmpdir(), "kiroku-keyframe-decoder.jpg"), jpegs[0]!);
  });

  it("gives a keyframe the same JPEG as a fresh ffmpeg does (nothing carried over)", async () => {
    const fresh = new KeyframeDecoder(160, "ffmpeg", 60_000);
    try {
      const a = await fresh.decode(keyframes[1]!);
      const b = await decoder.decode(keyframes[1]!);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 180_000);
});
