import { describe, expect, it } from "vitest";
import { MediaTimeline } from "./media-timeline";

const csv = (name: string, startS: number, endS: number) => ({ name, startS, endS });

describe("MediaTimeline", () => {
  it("keeps the csv's exact, continuous times when the media agrees with them", () => {
    const t = new MediaTimeline();
    // ffmpeg's first output PTS is 1.4 s; audio leads video by 21 ms in the first segment.
    expect(
      t.place(csv("s0", 0, 2.021333), { startPts: 126_000, durationMs: 2027, trimmed: false }),
    ).toEqual({
      entry: csv("s0", 0, 2.021333),
    });
    expect(
      t.place(csv("s1", 2.021333, 4.021333), {
        startPts: 307_920,
        durationMs: 2005,
        trimmed: false,
      }),
    ).toEqual({ entry: csv("s1", 2.021333, 4.021333) });
  });

  it("ends a trimmed segment where its media ends, not where the csv says", () => {
    const t = new MediaTimeline();
    t.place(csv("s0", 0, 2), { startPts: 126_000, durationMs: 2000, trimmed: false });
    const placed = t.place(csv("s1", 2, 4), { startPts: 306_000, durationMs: 1040, trimmed: true });
    expect(placed.entry).toEqual(csv("s1", 2, 3.04));
    expect(placed.corrected).toBeUndefined();
  });

  it("takes the start and length from the PTS when the csv disagrees, and says so", () => {
    const t = new MediaTimeline();
    t.place(csv("s0", 0, 2), { startPts: 126_000, durationMs: 2000, trimmed: false });
    const placed = t.place(csv("s1", 2, 4), {
      startPts: 126_000 + 2.5 * 90_000,
      durationMs: 1500,
      trimmed: false,
    });
    expect(placed.entry).toEqual(csv("s1", 2.5, 4));
    expect(placed.corrected).toBe(
      "start 2.500 s by PTS, csv says 2.000 s; lasts 1500 ms by PTS, csv says 2000 ms",
    );
  });

  it("follows the PTS across its 33-bit wrap-around", () => {
    const t = new MediaTimeline();
    const start = 2 ** 33 - 90_000; // wraps one second into the first segment
    t.place(csv("s0", 0, 2), { startPts: start, durationMs: 2000, trimmed: false });
    const placed = t.place(csv("s1", 2, 4), {
      startPts: start + 180_000 - 2 ** 33,
      durationMs: 700,
      trimmed: true,
    });
    expect(placed.entry.startS).toBe(2);
    expect(placed.entry.endS).toBeCloseTo(2.7, 9);
  });
});
