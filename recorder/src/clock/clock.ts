import { readFileSync } from "node:fs";

/**
 * The recorder's source of time, injectable so that a clock that starts at
 * 1970 and steps to the real time can be tested without touching the
 * machine's clock.
 *
 * Two scales: wall time (epoch ms, what keys are made of; wrong until the
 * clock is synchronised on a Pi without a real-time clock) and monotonic time
 * (ms from an arbitrary origin; never jumps, so it times segments while the
 * wall clock cannot be trusted). Monotonic values are comparable only when
 * their `monoOrigin` is the same: the boot id for the system clock, whose
 * monotonic time (CLOCK_MONOTONIC) counts from boot and is shared by every
 * process of that boot.
 */
export interface Clock {
  /** Wall time, epoch ms (the system's realtime clock). */
  wallNow(): number;
  /** Monotonic time, ms since `monoOrigin`. */
  monoNow(): number;
  /** True when the wall clock is known to be synchronised (NTP, chrony, …). */
  isSynchronised(): boolean;
  /** Names the origin of `monoNow()` (file-name safe: `[a-z0-9]`). */
  readonly monoOrigin: string;
  /**
   * A time the kernel stamped with the wall clock (a file's mtime) on this
   * clock's wall scale. The system clock: the same number. A test clock that
   * pretends the system clock was wrong applies the same error here.
   */
  fileTimeMs?(systemMs: number): number;
  /** Asks the machine again whether the clock is synchronised (polled while it is not). */
  refresh?(): Promise<void>;
}

/** The id of this boot (`/proc/sys/kernel/random/boot_id`), shortened; "noboot" where there is none. */
export function bootId(file = "/proc/sys/kernel/random/boot_id"): string {
  try {
    const id = readFileSync(file, "utf8")
      .replace(/[^0-9a-f]/gi, "")
      .toLowerCase();
    return id.length >= 8 ? id.slice(0, 16) : "noboot";
  } catch {
    return "noboot";
  }
}

/** CLOCK_MONOTONIC in ms (Node's hrtime: time since boot on Linux, shared by every process). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000n) / 1_000;
}
