import { describe, expect, it } from "vitest";
import { activityBars, BUSY_RELATIVE, summaryFor } from "./activity-strip";

const MIN = 60_000;
const bucket = (i: number, peak: number | null) => ({
  startMs: i * MIN,
  endMs: (i + 1) * MIN,
  activity: peak === null ? null : { mean: peak, peak },
});

describe("activity strip", () => {
  it("asks for minute buckets up to a 6 h view, hour buckets beyond", () => {
    expect(summaryFor(2 * 3_600_000)).toBe("minute");
    expect(summaryFor(6 * 3_600_000)).toBe("minute");
    expect(summaryFor(24 * 3_600_000)).toBe("hour");
  });

  it("marks a busy minute and keeps the usual ones low", () => {
    const bars = activityBars([bucket(0, 1), bucket(1, 0.9), bucket(2, 3.2), bucket(3, 1.1)]);
    expect(bars.map((b) => b.busy)).toEqual([false, false, true, false]);
    expect(bars[2]!.level).toBe(1);
    expect(bars[0]!.level).toBeLessThan(0.2);
    expect(bars[2]!.label).toContain("3.2×");
  });

  it("draws nothing where nothing can be said", () => {
    expect(activityBars([bucket(0, null), bucket(1, BUSY_RELATIVE)]).map((b) => b.startMs)).toEqual(
      [MIN],
    );
  });
});
