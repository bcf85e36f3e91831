import { describe, expect, it } from "vitest";
import { RunClock } from "./run-clock";
import {
  PTS_WRAP_TICKS,
  streamToWallMs,
  streamWallBase,
  tsOffsetArgument,
  wallOfPts,
  withMediaStart,
} from "./wallclock-pts";

const T0 = Date.UTC(2026, 10, 22, 10, 30, 0, 250);

describe("wall-clock timestamps", () => {
  it("puts the attempt's start on the 33-bit 90 kHz clock and back", () => {
    const base = streamWallBase(T0);
    expect(base.offsetTicks).toBe((T0 * 90) % PTS_WRAP_TICKS);
    expect(base.offsetTicks).toBeLessThan(PTS_WRAP_TICKS);
    const offsetS = Number(tsOffsetArgument(base));
    expect(Math.abs(offsetS * 90_000 - base.offsetTicks)).toBeLessThan(0.1);
    // Stream time = offset + elapsed: 2.5 s in is T0 + 2.5 s.
    expect(streamToWallMs(base, offsetS + 2.5)).toBeCloseTo(T0 + 2_500, 3);
    // The PTS ffmpeg writes there tells the same instant.
    const pts = Math.round((offsetS + 2.5) * 90_000) % PTS_WRAP_TICKS;
    expect(wallOfPts(pts, T0)).toBeCloseTo(T0 + 2_500, 0);
  });

  it("unwraps a PTS across the 33-bit wrap to the instant nearest a hint", () => {
    // An instant whose tick count is just past a wrap, read with a hint before it.
    const wrapMs = Math.ceil((T0 * 90) / PTS_WRAP_TICKS) * (PTS_WRAP_TICKS / 90);
    const after = wrapMs + 1_000;
    const pts = Math.round(after * 90) % PTS_WRAP_TICKS;
    expect(pts).toBeLessThan(100_000);
    expect(wallOfPts(pts, wrapMs - 5_000)).toBeCloseTo(after, 0);
    expect(wallOfPts(pts, after + 3_600_000)).toBeCloseTo(after, 0);
  });

  it("gives the first segment the start its media says instead of the list's 0", () => {
    const startPts = Math.round(95_440.5 * 90_000);
    expect(withMediaStart({ name: "seg000000.ts", startS: 0, endS: 95_442.5 }, startPts)).toEqual({
      name: "seg000000.ts",
      startS: 95_440.5,
      endS: 95_442.5,
    });
    // Past the wrap the file's PTS is small, the list's times are not.
    const wrapped = withMediaStart(
      { name: "seg000001.ts", startS: 0, endS: 95_445.5 },
      Math.round((95_443.5 - PTS_WRAP_TICKS / 90_000) * 90_000),
    );
    expect(wrapped.startS).toBeCloseTo(95_443.5, 4);
    // Even a first timestamp close to 0 (a clock near the epoch) is taken.
    expect(
      withMediaStart({ name: "seg000000.ts", startS: 0, endS: 2.906 }, 0.906 * 90_000).startS,
    ).toBeCloseTo(0.906, 6);
    // A later segment keeps the list's start (continuity with the one before).
    const later = { name: "seg000002.ts", startS: 95_445.5, endS: 95_447.5 };
    expect(withMediaStart(later, Math.round(95_445.52 * 90_000) % PTS_WRAP_TICKS)).toBe(later);
  });
});

describe("RunClock pinned to wall-clock timestamps", () => {
  const base = streamWallBase(T0);
  const offsetS = base.offsetTicks / 90_000;

  it("keys each segment at the wall time of its first timestamp", () => {
    const clock = new RunClock(1_000, base);
    const a = clock.place({ name: "a", startS: offsetS + 0.3, endS: offsetS + 2.3 }, T0 + 2_400);
    expect(a).toMatchObject({ startMs: T0 + 300, durationMs: 2_000, newRun: true });
    const b = clock.place({ name: "b", startS: offsetS + 2.3, endS: offsetS + 4.3 }, T0 + 4_350);
    expect(b).toMatchObject({ startMs: T0 + 2_300, durationMs: 2_000, newRun: false });
    expect(clock.pinned).toBe(true);
  });

  it("accepts ffmpeg's start-up as the first segment's drift and checks later drift against it", () => {
    const clock = new RunClock(1_000, base, 3_000);
    // ffmpeg took 1.8 s to start: the first file closes 1.8 s after the stream says.
    const a = clock.place({ name: "a", startS: offsetS, endS: offsetS + 2 }, T0 + 3_800);
    expect(a).toMatchObject({ startMs: T0, newRun: true });
    const b = clock.place({ name: "b", startS: offsetS + 2, endS: offsetS + 4 }, T0 + 5_900);
    expect(b).toMatchObject({ startMs: T0 + 2_000, newRun: false });
    expect(clock.pinned).toBe(true);
    // A start-up beyond the allowance: anchored on the wall clock instead.
    const slow = new RunClock(1_000, base, 3_000);
    const c = slow.place({ name: "a", startS: offsetS, endS: offsetS + 2 }, T0 + 6_500);
    expect(c).toMatchObject({ startMs: T0 + 4_500, newRun: true });
    expect(slow.pinned).toBe(false);
  });

  it("re-anchors on the wall clock, unpinned, when the stream strays past the bound", () => {
    const clock = new RunClock(1_000, base);
    clock.place({ name: "a", startS: offsetS, endS: offsetS + 2 }, T0 + 2_050);
    const late = clock.place({ name: "b", startS: offsetS + 2, endS: offsetS + 4 }, T0 + 6_000);
    expect(late.newRun).toBe(true);
    expect(late.reason).toContain("timestamps no longer tell the wall clock");
    expect(late.startMs).toBe(T0 + 4_000); // the file's close minus its duration
    expect(clock.pinned).toBe(false);
  });
});
