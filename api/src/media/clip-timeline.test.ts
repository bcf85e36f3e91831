import { describe, expect, it } from "vitest";
import { advance, shiftFor } from "./clip-timeline";

const seg = (run: number, seq: number) => ({ run, seq });

describe("clip timeline", () => {
  it("starts the clip at 0 on the first packet kept", () => {
    expect(shiftFor(undefined, seg(1, 4), 12)).toBe(-12);
  });

  it("keeps a run's own spacing across its consecutive segments", () => {
    const a = advance(undefined, seg(1, 4), -10, 12);
    expect(a.end).toBe(2);
    expect(shiftFor(a, seg(1, 5), 12)).toBe(-10);
    const b = advance(a, seg(1, 5), -10, 14.02);
    expect(b.end).toBeCloseTo(4.02);
  });

  it("puts a new run right after the clip so far, leaving the gap out", () => {
    const a = advance(undefined, seg(1, 4), -10, 16.05);
    expect(shiftFor(a, seg(2, 5), 1.38)).toBeCloseTo(6.05 - 1.38);
  });

  it("starts a new piece where a segment is missing", () => {
    const a = advance(undefined, seg(1, 4), -10, 12);
    expect(shiftFor(a, seg(1, 6), 14)).toBeCloseTo(2 - 14);
  });

  it("starts a new piece where the timestamps go back (a 33-bit wrap)", () => {
    const a = advance(undefined, seg(1, 4), -95_000, 95_443.7);
    expect(shiftFor(a, seg(1, 5), 0.3)).toBeCloseTo(443.7 - 0.3);
  });

  it("never moves the end back", () => {
    const a = advance(undefined, seg(1, 1), 0, 10);
    expect(advance(a, seg(2, 2), 0, 4).end).toBe(10);
  });
});
