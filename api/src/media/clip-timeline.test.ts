import { describe, expect, it } from "vitest";
import { placePiece, type TimedPacket, trimToKeyframe } from "./clip-timeline";

const F = 0.04;
/** 25 fps video from `from` seconds, `n` frames, a keyframe every `gop` frames. */
function video(from: number, n: number, gop: number): TimedPacket[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: from + i * F,
    duration: F,
    type: i % gop === 0 ? "key" : "delta",
  }));
}
function audio(from: number, n: number): TimedPacket[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: from + i * 0.021,
    duration: 0.021,
    type: "key",
  }));
}

describe("trimToKeyframe", () => {
  it("starts at the keyframe at or before the asked time", () => {
    const v = video(10, 100, 25); // keyframes at 10, 11, 12, 13
    const t = trimToKeyframe(v, audio(9.99, 200), 2.5);
    expect(t.offsetSeconds).toBeCloseTo(2);
    expect(t.video[0]!.timestamp).toBeCloseTo(12);
    expect(t.video[0]!.type).toBe("key");
    expect(t.audio!.every((p) => p.timestamp >= 12)).toBe(true);
  });

  it("keeps the whole segment when the asked time is before it or at its start", () => {
    const v = video(10, 50, 25);
    expect(trimToKeyframe(v, undefined, -3).video).toHaveLength(50);
    expect(trimToKeyframe(v, undefined, 0).offsetSeconds).toBe(0);
  });

  it("takes a keyframe exactly at the asked time", () => {
    const t = trimToKeyframe(video(10, 100, 25), undefined, 1);
    expect(t.video[0]!.timestamp).toBeCloseTo(11);
    expect(t.video).toHaveLength(75);
  });

  it("drops leading pictures that present before the keyframe", () => {
    const v: TimedPacket[] = [
      { timestamp: 0, duration: F, type: "key" },
      { timestamp: 0.08, duration: F, type: "delta" },
      { timestamp: 1, duration: F, type: "key" },
      { timestamp: 0.96, duration: F, type: "delta" }, // open-GOP B-frame
      { timestamp: 1.08, duration: F, type: "delta" },
    ];
    const t = trimToKeyframe(v, undefined, 1.02);
    expect(t.video.map((p) => p.timestamp)).toEqual([1, 1.08]);
  });
});

describe("placePiece", () => {
  it("starts the clip at 0 and keeps a run's own spacing across its segments", () => {
    const a = placePiece(undefined, { run: 1, seq: 4 }, video(10, 50, 50), audio(10, 95));
    expect(a.shift).toBe(-10);
    const b = placePiece(a, { run: 1, seq: 5 }, video(12, 50, 50), audio(12, 95));
    expect(b.shift).toBe(-10);
    expect(b.end).toBeCloseTo(12 - 10 + 50 * F);
  });

  it("puts a new run right after the clip so far, leaving the gap out", () => {
    const a = placePiece(undefined, { run: 1, seq: 4 }, video(10, 50, 50), audio(10, 96));
    const b = placePiece(a, { run: 2, seq: 5 }, video(1.4, 50, 50), audio(1.38, 95));
    expect(b.shift).toBeCloseTo(a.end - 1.38);
    expect(1.38 + b.shift).toBeCloseTo(a.end);
  });

  it("starts a new piece where a segment is missing or the timestamps wrap", () => {
    const a = placePiece(undefined, { run: 1, seq: 4 }, video(10, 50, 50), undefined);
    const missing = placePiece(a, { run: 1, seq: 6 }, video(14, 50, 50), undefined);
    expect(missing.shift).toBeCloseTo(a.end - 14);
    const wrapped = placePiece(a, { run: 1, seq: 5 }, video(0.5, 50, 50), undefined);
    expect(wrapped.shift).toBeCloseTo(a.end - 0.5);
  });
});
