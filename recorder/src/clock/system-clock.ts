import type { Logger } from "@kiroku/shared";
import { bootId, type Clock, monotonicMs } from "./clock";
import { detectSync, type SyncAnswer, type SyncProbes, systemProbes } from "./sync-detection";

/**
 * CLOCK_SYNC: how the recorder decides the system clock is synchronised.
 * - `auto` (default): ask the machine (sync-detection.ts); when nothing
 *   answers, the floor alone decides.
 * - `off`: do not ask; the floor alone decides (a machine with a battery
 *   real-time clock and no NTP daemon, whose kernel never says "synchronised").
 */
export type ClockSyncMode = "auto" | "off";

/**
 * The machine's clock: `Date.now()`, CLOCK_MONOTONIC (counted from boot, so
 * held segments keep their times across a restart of the recorder within
 * one boot) and the synchronisation state, asked again at each `refresh()`
 * until the machine says "synchronised" (then never again: see clock-trust.ts).
 * Not synchronised until the first answer arrives.
 */
export class SystemClock implements Clock {
  readonly monoOrigin = `b${bootId()}`;
  private answer: SyncAnswer | undefined;
  private warnedUnknown = false;

  constructor(private readonly opts: { mode: ClockSyncMode; log?: Logger; probes?: SyncProbes }) {}

  wallNow(): number {
    return Date.now();
  }

  monoNow(): number {
    return monotonicMs();
  }

  isSynchronised(): boolean {
    if (this.opts.mode === "off") return true;
    return this.answer !== undefined && this.answer.state !== "unsynchronised";
  }

  /** The last answer of the machine (for logs, /healthz). */
  get syncAnswer(): SyncAnswer | undefined {
    return this.answer;
  }

  async refresh(): Promise<void> {
    if (this.opts.mode === "off" || this.answer?.state === "synchronised") return;
    const answer = await detectSync(this.opts.probes ?? systemProbes);
    const changed = answer.state !== this.answer?.state;
    this.answer = answer;
    if (answer.state === "unknown" && !this.warnedUnknown) {
      this.warnedUnknown = true;
      this.opts.log?.warn(
        "cannot tell whether the system clock is synchronised (no systemd-timesyncd, timedatectl or chronyc answered): trusting it once it reads later than the recorder's release",
      );
    } else if (changed && answer.state === "unsynchronised") {
      this.opts.log?.warn(
        { source: answer.source },
        "system clock not synchronised: recording on, segments held in the spool until it is",
      );
    }
  }
}
