import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_INDEX_SCHEMA, dayIndexKey, decodeDayIndex, encodeDayIndex } from "./day-index";
import { parseSegmentKey, type StoredSegment, segmentKey } from "./segment-key";

const DAY = Date.parse("2026-11-22T00:00:00Z");
const stored = (offsetMs: number, seq: number, size?: number): StoredSegment => {
  const ref = { channel: "cam1", startMs: DAY + offsetMs, durationMs: 30_000, run: 3, seq };
  return { ...ref, key: segmentKey("movie", ref), ...(size === undefined ? {} : { size }) };
};

describe("dayIndexKey", () => {
  it("sits under _index, outside every channel's segment prefix", () => {
    expect(dayIndexKey("movie", "cam1", DAY + 5_000)).toBe("movie/_index/cam1/2026-11-22.json");
    expect(dayIndexKey("movie", "cam1", DAY).startsWith("movie/cam1/")).toBe(false);
  });
  it("refuses a channel name that could leave the prefix", () => {
    expect(() => dayIndexKey("movie", "../x", DAY)).toThrow();
  });
});

describe("encodeDayIndex / decodeDayIndex", () => {
  it("gives back exactly the segments it was given, sizes included", () => {
    const segments = [stored(0, 1, 1234), stored(30_000, 2), stored(86_399_999, 3, 0)];
    const body = encodeDayIndex("movie", "cam1", DAY, segments);
    expect(decodeDayIndex("movie", "cam1", DAY + 3_600_000, body)).toEqual(segments);
  });

  it("keeps a hand-made key that segmentKey would write differently", () => {
    const key = "movie/cam1/2026-11-22/10-00-00.000Z_030000ms_r0003_s7.ts";
    const seg = { ...parseSegmentKey("movie", key)!, size: 9 };
    const body = encodeDayIndex("movie", "cam1", DAY, [seg]);
    expect(decodeDayIndex("movie", "cam1", DAY, body)).toEqual([seg]);
  });

  it("indexes an empty day as an empty day", () => {
    const body = encodeDayIndex("movie", "cam1", DAY, []);
    expect(decodeDayIndex("movie", "cam1", DAY, body)).toEqual([]);
  });

  it("refuses to index a segment of another day or channel", () => {
    expect(() => encodeDayIndex("movie", "cam1", DAY, [stored(86_400_000, 1)])).toThrow(/not of/);
    expect(() =>
      encodeDayIndex("movie", "cam2", DAY, [{ ...stored(0, 1), channel: "cam1" }]),
    ).toThrow(/not of/);
  });

  const body = encodeDayIndex("movie", "cam1", DAY, [stored(0, 1, 5), stored(30_000, 2, 6)]);
  const doc = () => JSON.parse(body) as Record<string, unknown> & { segments: unknown[][] };
  const broken: Array<[string, string]> = [
    ["not JSON (a torn write)", body.slice(0, 40)],
    ["another schema", JSON.stringify({ ...doc(), schema: DAY_INDEX_SCHEMA + 1 })],
    ["another channel's index", JSON.stringify({ ...doc(), channel: "cam2" })],
    ["another day's index", JSON.stringify({ ...doc(), day: "2026-11-23" })],
    ["a count that does not match", JSON.stringify({ ...doc(), count: 3 })],
    ["keys out of order", JSON.stringify({ ...doc(), segments: doc().segments.reverse() })],
    [
      "a start outside the day",
      JSON.stringify({ ...doc(), segments: [[86_400_000, 30_000, 3, 1, null]], count: 1 }),
    ],
    [
      "a stored name that names another segment",
      JSON.stringify({
        ...doc(),
        segments: [[0, 30_000, 3, 1, null, "00-00-00.000Z_30000ms_r3_s2.ts"]],
        count: 1,
      }),
    ],
    [
      "a field that is not a whole number",
      JSON.stringify({ ...doc(), segments: [[0, "30000", 3, 1, null]], count: 1 }),
    ],
  ];
  it.each(broken)("treats %s as no index", (_name, text) => {
    expect(decodeDayIndex("movie", "cam1", DAY, text)).toBeUndefined();
  });

  it("round-trips any day of segments in key order (property)", () => {
    const segment = fc.record({
      offsetMs: fc.integer({ min: 0, max: 86_399_999 }),
      durationMs: fc.integer({ min: 0, max: 9_999_999 }),
      run: fc.integer({ min: 0, max: 2 ** 40 }),
      seq: fc.integer({ min: 0, max: 2 ** 40 }),
      size: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 60 }), (raw) => {
        const all = raw.map((r) => {
          const ref = {
            channel: "cam1",
            startMs: DAY + r.offsetMs,
            durationMs: r.durationMs,
            run: r.run,
            seq: r.seq,
          };
          const key = segmentKey("movie", ref);
          return r.size === undefined ? { ...ref, key } : { ...ref, key, size: r.size };
        });
        // A listing gives each key once, in key order.
        const listed = [...new Map(all.map((s) => [s.key, s])).values()].sort((a, b) =>
          a.key < b.key ? -1 : 1,
        );
        const body = encodeDayIndex("movie", "cam1", DAY, listed);
        expect(decodeDayIndex("movie", "cam1", DAY, body)).toEqual(listed);
      }),
    );
  });
});
