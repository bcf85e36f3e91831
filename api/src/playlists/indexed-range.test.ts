import { describe, expect, it } from "vitest";
import { planIndexedRange } from "./indexed-range";

const DAY_MS = 86_400_000;
const D0 = Date.parse("2026-11-01T00:00:00Z");
const LOOKBACK = 70_000;

describe("planIndexedRange", () => {
  it("reads every day of a range that is over from its index, and lists nothing", () => {
    const plan = planIndexedRange({ startMs: D0, endMs: D0 + 31 * DAY_MS }, LOOKBACK, Infinity);
    // The day before holds the segment that may run into the first midnight.
    expect(plan.days).toHaveLength(32);
    expect(plan.days[0]).toBe(D0 - DAY_MS);
    expect(plan.days.at(-1)).toBe(D0 + 30 * DAY_MS);
    expect(plan.rest).toBeUndefined();
  });

  it("does not read the day before when the lookback stays inside the first day", () => {
    const plan = planIndexedRange(
      { startMs: D0 + 3_600_000, endMs: D0 + 7_200_000 },
      LOOKBACK,
      Infinity,
    );
    expect(plan).toEqual({ days: [D0] });
  });

  it("lists only what follows the last final day (today), keeping its own segments", () => {
    const now = D0 + 30 * DAY_MS + 5 * 3_600_000;
    const plan = planIndexedRange(
      { startMs: D0, endMs: now + 3_600_000 },
      LOOKBACK,
      now - LOOKBACK,
    );
    expect(plan.days).toHaveLength(31);
    expect(plan.rest).toEqual({
      range: { startMs: D0 + 30 * DAY_MS, endMs: now + 3_600_000 },
      keepFromMs: D0 + 30 * DAY_MS,
    });
  });

  it("treats a day as final only once it ended at or before the sealed bound", () => {
    const range = { startMs: D0 + 1_000_000, endMs: D0 + 2 * DAY_MS };
    expect(planIndexedRange(range, LOOKBACK, D0 + DAY_MS).days).toEqual([D0]);
    expect(planIndexedRange(range, LOOKBACK, D0 + DAY_MS - 1).days).toEqual([]);
  });

  it("lists the whole range when no day is final (an upload backlog, an unreadable heartbeat)", () => {
    const range = { startMs: D0 + 1_000_000, endMs: D0 + 3 * DAY_MS };
    expect(planIndexedRange(range, LOOKBACK, Number.NEGATIVE_INFINITY)).toEqual({
      days: [],
      rest: { range, keepFromMs: D0 },
    });
  });

  it("starts the listing at the range start when the first listed day holds it", () => {
    const range = { startMs: D0 + DAY_MS + 30_000, endMs: D0 + DAY_MS + 3_600_000 };
    // Day D0 (lookback) is final, day D0+1 is not: the listing of D0+1 must not
    // repeat D0's segments (keepFromMs), and starts at the range start.
    expect(planIndexedRange(range, LOOKBACK, D0 + DAY_MS + 10_000)).toEqual({
      days: [D0],
      rest: { range, keepFromMs: D0 + DAY_MS },
    });
  });
});
