import { silentLogger } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import type { Clock } from "./clock";
import { ClockTrust, type TrustedEvent } from "./clock-trust";

const REAL = Date.UTC(2026, 11, 2, 4, 0, 0);

/** A machine clock under the test's hand: mono advances, wall = mono + offset, sync is a flag. */
function fakeClock(offset: number) {
  const c = {
    mono: 1_000,
    offset,
    synced: false,
    monoOrigin: "test",
    wallNow: () => c.mono + c.offset,
    monoNow: () => c.mono,
    isSynchronised: () => c.synced,
  };
  return c satisfies Clock;
}

describe("ClockTrust", () => {
  it("holds (monotonic) until synchronised, then rebases what it held onto the stepped wall clock", () => {
    const clock = fakeClock(-1_000); // wall starts at 1970-01-01T00:00:00Z
    const trust = new ClockTrust({ clock, log: silentLogger() });
    const events: TrustedEvent[] = [];
    trust.on("trusted", (e) => events.push(e));
    clock.mono = 11_000;
    // ffmpeg closed a segment at wall 9 000 (1970): monotonic 10 000.
    expect(trust.place(9_000)).toEqual({ scale: "mono", ms: 10_000 });
    expect(trust.trusted).toBe(false);
    // 20 s in, NTP steps the clock to the real time and the kernel says synchronised.
    clock.mono = 21_000;
    clock.offset = REAL - 21_000;
    clock.synced = true;
    expect(trust.check()).toBe(true);
    expect(events).toEqual([{ wallMs: REAL, monoMs: 21_000, stepMs: REAL - 21_000 + 1_000 }]);
    expect(trust.wallOf(10_000)).toBe(REAL - 11_000);
    // A segment closed after the step is a wall time; one closed before it (1970) is still monotonic.
    expect(trust.place(REAL + 500)).toEqual({ scale: "wall", ms: REAL + 500 });
    expect(trust.place(19_000)).toEqual({ scale: "mono", ms: 20_000 });
    // Sticky: the kernel losing sync later does not take the trust back.
    clock.synced = false;
    expect(trust.check()).toBe(true);
    expect(events).toHaveLength(1);
  });

  it("does not trust a synchronised clock that reads before the floor", () => {
    const clock = fakeClock(Date.UTC(2020, 0, 1));
    clock.synced = true;
    const trust = new ClockTrust({ clock, log: silentLogger() });
    expect(trust.check()).toBe(false);
    clock.offset = REAL;
    expect(trust.check()).toBe(true);
  });

  it("refuses to rebase before trust and calls an unplaceable file time unknown", () => {
    const clock = fakeClock(-1_000);
    const trust = new ClockTrust({ clock, log: silentLogger() });
    expect(() => trust.wallOf(5_000)).toThrow(/not trusted/);
    // A file time from the future of this clock fits no scale this process saw.
    expect(trust.place(REAL).scale).toBe("unknown");
  });

  it("believes old file times of a process that started with a trusted clock, unless before the floor", () => {
    const clock = fakeClock(REAL);
    clock.synced = true;
    const trust = new ClockTrust({ clock, log: silentLogger() });
    expect(trust.place(REAL - 3_600_000)).toEqual({ scale: "wall", ms: REAL - 3_600_000 });
    expect(trust.place(5_000).scale).toBe("unknown");
  });

  it("polls the machine until it says synchronised, then stops asking", async () => {
    const clock = fakeClock(REAL);
    let asked = 0;
    const trust = new ClockTrust({
      clock: {
        ...clock,
        refresh: async () => {
          asked++;
          if (asked === 3) clock.synced = true;
        },
      },
      log: silentLogger(),
      pollMs: 5,
    });
    const trusted = new Promise<TrustedEvent>((r) => trust.once("trusted", r));
    trust.start();
    await trusted;
    await new Promise((r) => setTimeout(r, 30));
    expect(asked).toBe(3);
    trust.stop();
  });
});
