import { describe, expect, it } from "vitest";
import { FragmentCuts } from "./fragment-cuts";

/** The packets (presentation times, decode order) a fragment ends before. */
function cutsOf(times: number[], seconds = 1): number[] {
  const cuts = new FragmentCuts(seconds);
  return times.filter((t) => cuts.before(t));
}

describe("fragment cuts", () => {
  it("ends a fragment every second without B pictures, keyframe or not", () => {
    const times = Array.from({ length: 75 }, (_, i) => i * 0.04);
    expect(cutsOf(times)).toEqual([1, 2]);
  });

  it("never splits a reordering group: cuts go before a picture shown after all before it", () => {
    // I0 P3 B1 B2 P6 B4 B5 …, frames of 0.2 s: the P pictures open the groups.
    const order = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11].map((n) => n * 0.2);
    const cuts = cutsOf(order);
    expect(cuts.map((t) => Math.round(t / 0.2))).toEqual([6, 12]);
  });

  it("does not cut before the first packet", () => {
    expect(cutsOf([5, 5.5, 6.1])).toEqual([6.1]);
  });
});
