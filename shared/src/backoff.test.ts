import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay } from "./backoff";

const opts = { initialMs: 250, factor: 2, maxMs: 10_000, jitter: 0.2 };

describe("backoff", () => {
  it("doubles from the initial delay and caps at the maximum", () => {
    const mid = () => 0.5; // no jitter at the midpoint
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, opts, mid))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it("spreads delays by the jitter fraction either way", () => {
    expect(backoffDelay(2, opts, () => 0)).toBe(800);
    expect(backoffDelay(2, opts, () => 0.999999)).toBe(1200);
  });

  it("counts consecutive failures and starts over after a stable run", () => {
    const b = new Backoff(opts, () => 0.5);
    expect([b.next(), b.next(), b.next()]).toEqual([250, 500, 1000]);
    b.reset();
    expect(b.next()).toBe(250);
    expect(b.consecutiveFailures).toBe(1);
  });
});
