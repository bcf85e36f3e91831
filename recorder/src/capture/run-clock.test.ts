import { describe, expect, it } from "vitest";
import { RunClock } from "./run-clock";

const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);

describe("RunClock", () => {
  it("anchors the run at the first segment's close minus its duration", () => {
    const clock = new RunClock();
    const p = clock.place({ name: "seg000000.ts", startS: 0, endS: 2.021333 }, T0 + 2021);
    expect(p).toMatchObject({ startMs: T0, durationMs: 2021, newRun: true });
  });

  it("makes each segment start exactly where the previous one ended, without accumulating rounding", () => {
    const clock = new RunClock();
    let prevEnd: number | undefined;
    let t = 0;
    // 1000 segments of 1.0013333 s: per-segment rounding would drift by 0.3 s.
    for (let k = 0; k < 1000; k++) {
      const startS = t;
      const endS = t + 1.0013333;
      t = endS;
      const p = clock.place({ name: `seg${k}.ts`, startS, endS }, T0 + endS * 1000 + 30);
      if (prevEnd !== undefined) expect(p.startMs).toBe(prevEnd);
      expect(p.newRun).toBe(k === 0);
      prevEnd = p.startMs + p.durationMs;
    }
    expect(prevEnd! - (T0 + 30)).toBe(Math.round(t * 1000));
  });

  it("keeps the run while wall-clock jitter stays under the bound", () => {
    const clock = new RunClock(1000);
    clock.place({ name: "a", startS: 0, endS: 2 }, T0 + 2000);
    const p = clock.place({ name: "b", startS: 2, endS: 4 }, T0 + 4000 + 900);
    expect(p).toMatchObject({ startMs: T0 + 2000, durationMs: 2000, newRun: false });
  });

  it("starts a new run anchored to the wall clock when the system clock steps", () => {
    const clock = new RunClock(1000);
    clock.place({ name: "a", startS: 0, endS: 2 }, T0 + 2000);
    clock.place({ name: "b", startS: 2, endS: 4 }, T0 + 4000);
    // NTP steps the clock forward by one hour.
    const p = clock.place({ name: "c", startS: 4, endS: 6 }, T0 + 6000 + 3_600_000);
    expect(p.newRun).toBe(true);
    expect(p.startMs).toBe(T0 + 4000 + 3_600_000);
    expect(p.reason).toMatch(/drift/);
    const q = clock.place({ name: "d", startS: 6, endS: 8 }, T0 + 8000 + 3_600_000);
    expect(q).toMatchObject({ startMs: T0 + 6000 + 3_600_000, newRun: false });
  });

  it("re-anchors when a camera clock drifts more than the bound from the system clock", () => {
    const clock = new RunClock(1000);
    // Camera runs 1 % fast: after 60 s of stream only 59.4 s of wall time passed.
    let newRuns = 0;
    for (let k = 0; k < 100; k++) {
      const p = clock.place(
        { name: `s${k}`, startS: 2 * k, endS: 2 * k + 2 },
        T0 + (2 * k + 2) * 990,
      );
      if (p.newRun) newRuns++;
      expect(Math.abs(p.driftMs)).toBeLessThanOrEqual(1000);
    }
    expect(newRuns).toBeGreaterThan(1);
  });

  it("starts a new run when stream time goes backwards", () => {
    const clock = new RunClock();
    clock.place({ name: "a", startS: 100, endS: 102 }, T0 + 2000);
    const p = clock.place({ name: "b", startS: 0, endS: 2 }, T0 + 4000);
    expect(p).toMatchObject({ newRun: true, startMs: T0 + 2000, reason: "stream time went back" });
  });
});
