import { describe, expect, it } from "vitest";
import { gapsBetween, mergeSpans, summarize } from "./spans";

const H = 3_600_000;
const range = { startMs: 0, endMs: 10_000 };
const seg = (startMs: number, durationMs = 2_000) => ({ startMs, durationMs });

describe("mergeSpans", () => {
  it("merges back-to-back segments (within the tolerance) into one span", () => {
    expect(mergeSpans([seg(0), seg(2_000), seg(4_300)], range, 500)).toEqual([
      { startMs: 0, endMs: 6_300 },
    ]);
  });

  it("splits at a gap larger than the tolerance", () => {
    expect(mergeSpans([seg(0), seg(5_000)], range, 500)).toEqual([
      { startMs: 0, endMs: 2_000 },
      { startMs: 5_000, endMs: 7_000 },
    ]);
  });

  it("clips spans to the range (the segment holding start begins before it)", () => {
    expect(mergeSpans([seg(-1_000), seg(9_000)], range, 500)).toEqual([
      { startMs: 0, endMs: 1_000 },
      { startMs: 9_000, endMs: 10_000 },
    ]);
  });

  it("absorbs overlapping segments and accepts any input order", () => {
    expect(mergeSpans([seg(1_000), seg(0, 3_000)], range, 0)).toEqual([
      { startMs: 0, endMs: 3_000 },
    ]);
  });
});

describe("gapsBetween", () => {
  it("lists gaps before, between and after spans, but not in the future", () => {
    const spans = [
      { startMs: 1_000, endMs: 2_000 },
      { startMs: 4_000, endMs: 5_000 },
    ];
    expect(gapsBetween(spans, range, 8_000)).toEqual([
      { startMs: 0, endMs: 1_000 },
      { startMs: 2_000, endMs: 4_000 },
      { startMs: 5_000, endMs: 8_000 },
    ]);
  });

  it("is the whole (past) range when nothing was recorded", () => {
    expect(gapsBetween([], range, 99_999)).toEqual([range]);
  });
});

describe("summarize", () => {
  it("adds up coverage per bucket, splitting spans that cross bucket edges", () => {
    const buckets = summarize([{ startMs: H / 2, endMs: 2 * H }], { startMs: 0, endMs: 3 * H }, H);
    expect(buckets.map((b) => b.recordedMs)).toEqual([H / 2, H, 0]);
  });

  it("shortens the last bucket to the range end", () => {
    const buckets = summarize([], { startMs: 0, endMs: 90 * 60_000 }, H);
    expect(buckets.at(-1)).toEqual({ startMs: H, endMs: 90 * 60_000, recordedMs: 0 });
  });
});
