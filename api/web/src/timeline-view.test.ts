import { describe, expect, it } from "vitest";
import { MIN_VIEW_MS, openingView, panBy, zoomAround } from "./timeline-view";

const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);
const MIN = 60_000;

describe("openingView", () => {
  it("opens on the last 15 minutes of recording with now at the right edge, not on the whole day", () => {
    const v = openingView([{ startMs: NOW - 15 * MIN, endMs: NOW - 5_000 }], NOW);
    expect(v.startMs).toBeLessThan(NOW - 15 * MIN);
    expect(v.endMs).toBeGreaterThanOrEqual(NOW);
    expect(v.endMs - v.startMs).toBeLessThan(20 * MIN);
  });

  it("reaches back to the earliest recording of the last day, at most a day", () => {
    const v = openingView(
      [
        { startMs: NOW - 5 * 3_600_000, endMs: NOW - 4 * 3_600_000 },
        { startMs: NOW - 30 * MIN, endMs: NOW },
      ],
      NOW,
    );
    expect(v.startMs).toBeLessThan(NOW - 5 * 3_600_000);
    expect(v.startMs).toBeGreaterThan(NOW - 6 * 3_600_000);
    const long = openingView([{ startMs: NOW - 9 * 86_400_000, endMs: NOW }], NOW);
    expect(long.endMs - long.startMs).toBe(86_400_000);
  });

  it("shows the most recent recording when it is older than a day", () => {
    const last = NOW - 3 * 86_400_000;
    const v = openingView([], NOW, last);
    expect(v.startMs).toBeLessThan(last);
    expect(v.endMs).toBeGreaterThan(last);
  });

  it("opens on 15 minutes up to now when nothing was ever recorded", () => {
    const v = openingView([], NOW);
    expect(v.endMs - v.startMs).toBe(15 * MIN);
    expect(v.endMs).toBeGreaterThanOrEqual(NOW);
  });
});

describe("zoomAround", () => {
  it("keeps the anchor at the same place on screen, zooming in and out", () => {
    const view = { startMs: NOW - 3_600_000, endMs: NOW };
    const anchor = NOW - 3_600_000 * 0.3;
    for (const factor of [0.5, 0.7, 1 / 0.7, 2]) {
      const z = zoomAround(view, factor, anchor);
      const before = (anchor - view.startMs) / (view.endMs - view.startMs);
      const after = (anchor - z.startMs) / (z.endMs - z.startMs);
      expect(Math.abs(after - before)).toBeLessThan(0.001);
      expect(z.endMs - z.startMs).toBeCloseTo(3_600_000 * factor, -2);
    }
  });

  it("stops at the narrowest view", () => {
    const z = zoomAround({ startMs: 0, endMs: 3 * MIN }, 0.1, 90_000);
    expect(z.endMs - z.startMs).toBe(MIN_VIEW_MS);
  });

  it("pans by a fraction of the width", () => {
    expect(panBy({ startMs: 0, endMs: 1000 }, -0.1)).toEqual({ startMs: -100, endMs: 900 });
  });
});
