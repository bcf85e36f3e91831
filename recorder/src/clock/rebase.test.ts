import { describe, expect, it } from "vitest";
import { CLOCK_FLOOR_MS, monoToWall, passesFloor, wallToMono } from "./rebase";

const REAL = Date.UTC(2026, 11, 2, 4, 0, 0);

describe("rebase arithmetic", () => {
  it("places a monotonic time on the wall by its distance from a pair sampled together", () => {
    // Sampled at mono 50 000 ms = wall REAL; a segment started at mono 31 500.
    expect(monoToWall(31_500, REAL, 50_000)).toBe(REAL - 18_500);
    expect(wallToMono(REAL - 18_500, REAL, 50_000)).toBe(31_500);
  });

  it("rebases a time read on a 1970 clock through monotonic time onto the stepped clock", () => {
    // Before the step the wall clock read 20 s after the epoch at mono 20 000;
    // a segment closed at wall 12 000 (1970) is mono 12 000. After the step
    // (mono 25 000 = REAL) it closed at REAL - 13 000.
    const mono = wallToMono(12_000, 20_000, 20_000);
    expect(monoToWall(mono, REAL, 25_000)).toBe(REAL - 13_000);
  });

  it("refuses a wall clock before the floor (1970, a fake-hwclock of last year)", () => {
    expect(passesFloor(0)).toBe(false);
    expect(passesFloor(Date.UTC(2025, 5, 1))).toBe(false);
    expect(passesFloor(CLOCK_FLOOR_MS)).toBe(true);
    expect(passesFloor(REAL)).toBe(true);
    expect(passesFloor(Number.NaN)).toBe(false);
    expect(new Date(CLOCK_FLOOR_MS).getUTCFullYear()).toBeGreaterThanOrEqual(2026);
  });
});
