import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  channelPrefix,
  parseSegmentKey,
  type SegmentRef,
  segmentKey,
  timeBound,
  utcDay,
  utcDayStart,
} from "./segment-key";

const at = (iso: string) => Date.parse(iso);
const seg = (startMs: number, extra: Partial<SegmentRef> = {}): SegmentRef => ({
  channel: "cam1",
  startMs,
  durationMs: 30_000,
  run: 7,
  seq: 1234,
  ...extra,
});

describe("segmentKey / parseSegmentKey round trip", () => {
  const table: Array<[string, SegmentRef, string]> = [
    [
      "an ordinary segment",
      seg(at("2026-11-22T10:30:00.000Z")),
      "movie/cam1/2026-11-22/10-30-00.000Z_30000ms_r7_s1234.ts",
    ],
    [
      "the last millisecond of a day",
      seg(at("2026-11-22T23:59:59.999Z")),
      "movie/cam1/2026-11-22/23-59-59.999Z_30000ms_r7_s1234.ts",
    ],
    [
      "the first millisecond of a day",
      seg(at("2026-11-23T00:00:00.000Z")),
      "movie/cam1/2026-11-23/00-00-00.000Z_30000ms_r7_s1234.ts",
    ],
    [
      "new year's eve, last ms",
      seg(at("2026-12-31T23:59:59.999Z")),
      "movie/cam1/2026-12-31/23-59-59.999Z_30000ms_r7_s1234.ts",
    ],
    [
      "new year, first ms",
      seg(at("2027-01-01T00:00:00.000Z")),
      "movie/cam1/2027-01-01/00-00-00.000Z_30000ms_r7_s1234.ts",
    ],
    [
      "a leap day",
      seg(at("2028-02-29T12:00:00.001Z")),
      "movie/cam1/2028-02-29/12-00-00.001Z_30000ms_r7_s1234.ts",
    ],
    [
      "the day after a leap day",
      seg(at("2028-03-01T00:00:00.000Z")),
      "movie/cam1/2028-03-01/00-00-00.000Z_30000ms_r7_s1234.ts",
    ],
    [
      "odd durations and big counters",
      seg(at("2026-11-22T10:30:00.123Z"), {
        durationMs: 2_033,
        run: 0,
        seq: 9_007_199_254_740_991,
      }),
      "movie/cam1/2026-11-22/10-30-00.123Z_2033ms_r0_s9007199254740991.ts",
    ],
    [
      "zero-length segment",
      seg(at("2026-11-22T10:30:00.999Z"), { durationMs: 0 }),
      "movie/cam1/2026-11-22/10-30-00.999Z_0ms_r7_s1234.ts",
    ],
    [
      "a long channel name",
      seg(at("2026-11-22T10:30:00Z"), { channel: `a${"b".repeat(63)}` }),
      `movie/a${"b".repeat(63)}/2026-11-22/10-30-00.000Z_30000ms_r7_s1234.ts`,
    ],
  ];

  it.each(table)("maps %s to its key and back", (_name, ref, key) => {
    expect(segmentKey("movie", ref)).toBe(key);
    expect(parseSegmentKey("movie", key)).toEqual({ ...ref, key });
  });

  it("keeps keys under a nested S3_MOVIE_KEY", () => {
    const key = segmentKey("site-a/movie", seg(at("2026-11-22T10:30:00Z")));
    expect(key.startsWith("site-a/movie/cam1/2026-11-22/")).toBe(true);
    expect(parseSegmentKey("site-a/movie", key)?.startMs).toBe(at("2026-11-22T10:30:00Z"));
    expect(parseSegmentKey("movie", key)).toBeUndefined();
  });

  it.each([
    ["a key of another layout", "movie/cam1/2026/11/22/10-30-00.000Z_30000ms_r7_s1234.ts"],
    ["an impossible date", "movie/cam1/2026-02-30/10-30-00.000Z_30000ms_r7_s1234.ts"],
    ["an impossible hour", "movie/cam1/2026-11-22/24-30-00.000Z_30000ms_r7_s1234.ts"],
    ["a stored playlist", "movie/cam1/vod/evening.m3u8"],
    ["a metadata object", "movie/_meta/cam1/status.json"],
    ["an invalid channel folder", "movie/CAM/2026-11-22/10-30-00.000Z_30000ms_r7_s1234.ts"],
    ["a missing field", "movie/cam1/2026-11-22/10-30-00.000Z_30000ms_s1234.ts"],
  ])("does not mistake %s for a segment", (_name, key) => {
    expect(parseSegmentKey("movie", key)).toBeUndefined();
  });

  it("refuses values the schema cannot hold instead of writing a wrong key", () => {
    expect(() => segmentKey("movie", seg(1.5))).toThrow(/startMs/);
    expect(() => segmentKey("movie", seg(0, { durationMs: 10_000_000 }))).toThrow(/durationMs/);
    expect(() => segmentKey("movie", seg(0, { run: -1 }))).toThrow(/run/);
    expect(() => segmentKey("movie", seg(0, { seq: Number.NaN }))).toThrow(/seq/);
    expect(() => segmentKey("movie", seg(at("2026-11-22T10:30:00Z"), { channel: "../x" }))).toThrow(
      /channel/,
    );
  });
});

describe("key order", () => {
  const arbSeg = fc.record({
    channel: fc.constant("cam1"),
    startMs: fc.integer({ min: at("2000-01-01T00:00:00Z"), max: at("9999-12-31T23:59:59.999Z") }),
    durationMs: fc.integer({ min: 0, max: 9_999_999 }),
    run: fc.nat(),
    seq: fc.nat(),
  });

  it("sorts keys of a channel exactly as their start times (property)", () => {
    fc.assert(
      fc.property(fc.array(arbSeg, { minLength: 2, maxLength: 50 }), (segs) => {
        const byKey = [...segs].sort((a, b) => cmp(segmentKey("movie", a), segmentKey("movie", b)));
        for (let i = 1; i < byKey.length; i++) {
          expect(byKey[i - 1]!.startMs).toBeLessThanOrEqual(byKey[i]!.startMs);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("places the time bound of t after every earlier segment and before every segment at or after t (property)", () => {
    fc.assert(
      // Starts at least 5 s inside the years the schema holds, so t stays inside too.
      fc.property(arbSeg, fc.integer({ min: -5000, max: 5000 }), (s, delta) => {
        fc.pre(
          s.startMs + delta >= at("2000-01-01T00:00:00Z") &&
            s.startMs + delta <= at("9999-12-31T23:59:59.999Z"),
        );
        const bound = timeBound("movie", "cam1", s.startMs + delta);
        const key = segmentKey("movie", s);
        expect(key > bound).toBe(delta <= 0);
      }),
      { numRuns: 500 },
    );
  });

  it("gives different keys to segments that differ in start, run or seq", () => {
    const base = seg(at("2026-11-22T10:30:00Z"));
    const keys = new Set([
      segmentKey("movie", base),
      segmentKey("movie", { ...base, startMs: base.startMs + 1 }),
      segmentKey("movie", { ...base, run: base.run + 1 }),
      segmentKey("movie", { ...base, seq: base.seq + 1 }),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe("day helpers", () => {
  it("names UTC days and their starts", () => {
    expect(utcDay(at("2026-11-22T23:59:59.999Z"))).toBe("2026-11-22");
    expect(utcDayStart(at("2026-11-22T23:59:59.999Z"))).toBe(at("2026-11-22T00:00:00Z"));
    expect(channelPrefix("movie", "cam1")).toBe("movie/cam1/");
  });
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
