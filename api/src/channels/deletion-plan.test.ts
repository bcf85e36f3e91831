import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { planDeletion } from "./deletion-plan";

const seg = (startMs: number, durationMs = 2_000): StoredSegment => ({
  channel: "cam1",
  key: `k${startMs}`,
  startMs,
  durationMs,
  run: 1,
  seq: startMs / 2_000,
});

describe("planDeletion", () => {
  const segments = [0, 2_000, 4_000, 6_000, 8_000].map((t) => seg(t));

  it("deletes segments entirely inside the range, bounds included", () => {
    const plan = planDeletion(segments, { startMs: 2_000, endMs: 6_000 });
    expect(plan.inside.map((s) => s.startMs)).toEqual([2_000, 4_000]);
    expect(plan.straddling).toEqual([]);
  });

  it("keeps and reports a segment straddling either bound", () => {
    const plan = planDeletion(segments, { startMs: 1_000, endMs: 7_000 });
    expect(plan.inside.map((s) => s.startMs)).toEqual([2_000, 4_000]);
    expect(plan.straddling.map((s) => s.startMs)).toEqual([0, 6_000]);
  });

  it("ignores lookback segments that end at or before the range start", () => {
    const plan = planDeletion(segments, { startMs: 4_000, endMs: 5_000 });
    expect(plan.inside).toEqual([]);
    expect(plan.straddling.map((s) => s.startMs)).toEqual([4_000]);
  });

  it("a range inside one segment deletes nothing", () => {
    const plan = planDeletion([seg(0, 30_000)], { startMs: 1_000, endMs: 2_000 });
    expect(plan.inside).toEqual([]);
    expect(plan.straddling).toHaveLength(1);
  });
});
