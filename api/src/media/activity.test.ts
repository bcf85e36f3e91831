import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { activityOver, segmentActivity } from "./activity";

const seg = (i: number, size: number | undefined, run = 1, durationMs = 30_000): StoredSegment => ({
  key: `k${i}`,
  channel: "cam1",
  startMs: i * 30_000,
  durationMs,
  run,
  seq: i,
  ...(size === undefined ? {} : { size }),
});

describe("segmentActivity", () => {
  it("is each segment's bytes per second over its run's median", () => {
    const acts = segmentActivity([seg(0, 300), seg(1, 300), seg(2, 900), seg(3, 150), seg(4, 300)]);
    expect(acts.map((a) => a.relative)).toEqual([1, 1, 3, 0.5, 1]);
  });

  it("takes each run's own median (a restart may change the encoder's settings)", () => {
    const acts = segmentActivity([
      seg(0, 100),
      seg(1, 100),
      seg(2, 200),
      seg(3, 1000, 2),
      seg(4, 1000, 2),
      seg(5, 3000, 2),
    ]);
    expect(acts.map((a) => a.relative)).toEqual([1, 1, 2, 1, 1, 3]);
  });

  it("compares rates, not sizes: a short segment with fewer bytes is as busy", () => {
    const acts = segmentActivity([seg(0, 300), seg(1, 300), seg(2, 150, 1, 15_000)]);
    expect(acts.map((a) => a.relative)).toEqual([1, 1, 1]);
  });

  it("says nothing of runs with fewer than 3 segments or segments without a size", () => {
    expect(segmentActivity([seg(0, 100), seg(1, 500)])).toEqual([]);
    expect(segmentActivity([seg(0, undefined), seg(1, 100), seg(2, 100)])).toEqual([]);
  });
});

describe("activityOver", () => {
  const acts = segmentActivity([seg(0, 300), seg(1, 300), seg(2, 900), seg(3, 150), seg(4, 300)]);

  it("weighs the segments by the time they cover and keeps the peak", () => {
    expect(activityOver(acts, { startMs: 0, endMs: 150_000 })).toEqual({ mean: 1.3, peak: 3 });
    expect(activityOver(acts, { startMs: 60_000, endMs: 75_000 })).toEqual({ mean: 3, peak: 3 });
    // Half of segment 1 (1) and half of segment 2 (3): a mean of 2.
    expect(activityOver(acts, { startMs: 45_000, endMs: 75_000 })).toEqual({ mean: 2, peak: 3 });
  });

  it("is null where no segment has an activity", () => {
    expect(activityOver(acts, { startMs: 200_000, endMs: 300_000 })).toBeNull();
  });
});
