import { describe, expect, it } from "vitest";
import { DAY_MS, overlaps, planRangeScans } from "./range-plan";
import { segmentKey } from "./segment-key";

const at = (iso: string) => Date.parse(iso);
const base = { movieKey: "movie", channel: "cam1", lookbackMs: 70_000 };

describe("planRangeScans", () => {
  it("plans one scan for a range of a day or less, starting a lookback before the range", () => {
    const scans = planRangeScans({
      ...base,
      startMs: at("2026-11-22T10:00:00Z"),
      endMs: at("2026-11-22T11:00:00Z"),
    });
    expect(scans).toEqual([
      {
        prefix: "movie/cam1/",
        startAfter: "movie/cam1/2026-11-22/09-58-50.000Z",
        stopAt: "movie/cam1/2026-11-22/11-00-00.000Z",
        fromMs: at("2026-11-22T09:58:50Z"),
        toMs: at("2026-11-22T11:00:00Z"),
      },
    ]);
  });

  it("crosses midnight in one scan when the range is a day long", () => {
    const scans = planRangeScans({
      ...base,
      startMs: at("2026-11-22T12:00:00Z"),
      endMs: at("2026-11-23T12:00:00Z"),
    });
    expect(scans).toHaveLength(1);
    expect(scans[0]!.startAfter < "movie/cam1/2026-11-23/").toBe(true);
    expect(scans[0]!.stopAt).toBe("movie/cam1/2026-11-23/12-00-00.000Z");
  });

  it("splits longer ranges at UTC midnights into contiguous scans", () => {
    const startMs = at("2026-11-20T12:00:00Z");
    const endMs = at("2026-11-23T06:00:00Z");
    const scans = planRangeScans({ ...base, startMs, endMs });
    expect(
      scans.map((s) => [new Date(s.fromMs).toISOString(), new Date(s.toMs).toISOString()]),
    ).toEqual([
      ["2026-11-20T11:58:50.000Z", "2026-11-21T00:00:00.000Z"],
      ["2026-11-21T00:00:00.000Z", "2026-11-22T00:00:00.000Z"],
      ["2026-11-22T00:00:00.000Z", "2026-11-23T00:00:00.000Z"],
      ["2026-11-23T00:00:00.000Z", "2026-11-23T06:00:00.000Z"],
    ]);
    for (let i = 1; i < scans.length; i++) expect(scans[i]!.startAfter).toBe(scans[i - 1]!.stopAt);
  });

  it("selects by key comparison exactly the segments that start inside each scan's window", () => {
    const startMs = at("2026-11-22T10:00:00Z");
    const scans = planRangeScans({ ...base, startMs, endMs: startMs + 3 * DAY_MS });
    for (const t of [
      startMs - 70_001,
      startMs - 70_000,
      startMs,
      at("2026-11-23T00:00:00Z") - 1,
      at("2026-11-23T00:00:00Z"),
      startMs + 3 * DAY_MS - 1,
      startMs + 3 * DAY_MS,
    ]) {
      const key = segmentKey("movie", {
        channel: "cam1",
        startMs: t,
        durationMs: 30_000,
        run: 1,
        seq: 1,
      });
      const owners = scans.filter((s) => key > s.startAfter && key < s.stopAt);
      const expected = scans.filter((s) => t >= s.fromMs && t < s.toMs);
      expect(owners).toEqual(expected);
      expect(owners.length).toBeLessThanOrEqual(1);
    }
  });

  it("refuses an empty or inverted range", () => {
    expect(() => planRangeScans({ ...base, startMs: 10, endMs: 10 })).toThrow(/must be after/);
  });
});

describe("overlaps", () => {
  it.each([
    ["a segment inside", 10, 5, true],
    ["a segment containing the start", 5, 10, true],
    ["a segment ending exactly at the start", 0, 10, false],
    ["a segment starting exactly at the end", 20, 5, false],
    ["a segment straddling the end", 18, 5, true],
  ])("%s", (_what, segStart, duration, expected) => {
    expect(overlaps(segStart, duration, 10, 20)).toBe(expected);
  });
});
