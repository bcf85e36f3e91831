import { EventEmitter } from "node:events";
import { formatTime, type Logger } from "@kiroku/shared";
import type { Clock } from "./clock";
import { CLOCK_FLOOR_MS, monoToWall, passesFloor } from "./rebase";

/**
 * Whether the wall clock may key a segment, and the conversions that let
 * the recorder keep recording while it may not.
 *
 * The clock is trusted once the machine says it is synchronised
 * (`Clock.isSynchronised()`, sync-detection.ts) AND it reads at or after the
 * floor (rebase.ts). Trust is sticky for the life of the process: a kernel
 * that has not heard from NTP for hours flags itself unsynchronised again
 * while its clock is still good to a fraction of a second.
 *
 * Until then, segments are timed on the monotonic scale and held
 * (spool/held-segments.ts); when trust arrives, the `trusted` event carries
 * the wall/monotonic pair sampled then, and every held segment is rebased:
 * `wall = mono + (wallNow − monoNow)`.
 *
 * A segment's close time is its file's mtime, a wall time on whatever scale
 * the clock had when ffmpeg wrote it. `place()` decides which: at or after
 * the moment trust was observed (less `toleranceMs`, the polling delay) it is
 * a trusted wall time; before it, in a process that saw the untrusted clock,
 * it was written on the untrusted scale and is turned into monotonic time
 * with the untrusted offset last sampled.
 */
export interface ClockTrustOptions {
  clock: Clock;
  log: Logger;
  /** No wall time before this is believed (default CLOCK_FLOOR_MS). */
  floorMs?: number;
  /** How often to ask the machine again while untrusted. */
  pollMs?: number;
}

export interface TrustedEvent {
  /** Wall time when trust was observed. */
  wallMs: number;
  /** Monotonic time at the same moment. */
  monoMs: number;
  /**
   * How far the wall clock stepped since it was last seen untrusted (0 when
   * never seen untrusted): add it to a wall time read before, to move it
   * onto the trusted scale.
   */
  stepMs: number;
}

/** Where a file time belongs. */
export type PlacedTime =
  | { scale: "wall"; ms: number }
  | { scale: "mono"; ms: number }
  /** Written on a scale that can no longer be converted (a clock step this process did not see). */
  | { scale: "unknown"; reason: string };

export const DEFAULT_CLOCK_POLL_MS = 1_000;

export class ClockTrust extends EventEmitter<{ trusted: [TrustedEvent] }> {
  readonly clock: Clock;
  readonly floorMs: number;
  private readonly pollMs: number;
  private since: TrustedEvent | undefined;
  /** wall − mono, last sampled while untrusted. */
  private untrustedOffset: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly startedMono: number;

  constructor(private readonly opts: ClockTrustOptions) {
    super();
    this.clock = opts.clock;
    this.floorMs = opts.floorMs ?? CLOCK_FLOOR_MS;
    this.pollMs = opts.pollMs ?? DEFAULT_CLOCK_POLL_MS;
    this.startedMono = this.clock.monoNow();
  }

  /** True once the clock has been trusted (sticky). */
  get trusted(): boolean {
    return this.since !== undefined;
  }

  /** When trust was observed, or undefined while untrusted. */
  get trustedSince(): TrustedEvent | undefined {
    return this.since ? { ...this.since } : undefined;
  }

  /** How long this process has waited for a trusted clock (0 once trusted). */
  untrustedForMs(): number {
    return this.since ? 0 : this.clock.monoNow() - this.startedMono;
  }

  /** Samples the clock now; emits `trusted` the first time it may be trusted. */
  check(): boolean {
    if (this.since) return true;
    const wall = this.clock.wallNow();
    const mono = this.clock.monoNow();
    if (!this.clock.isSynchronised() || !passesFloor(wall, this.floorMs)) {
      this.untrustedOffset = wall - mono;
      return false;
    }
    const stepMs = this.untrustedOffset === undefined ? 0 : wall - mono - this.untrustedOffset;
    this.since = { wallMs: wall, monoMs: mono, stepMs };
    this.stopPolling();
    this.opts.log.info(
      {
        at: formatTime(wall),
        waitedMs: Math.round(mono - this.startedMono),
        stepMs: Math.round(stepMs),
      },
      "system clock synchronised: segments are keyed by wall time",
    );
    this.emit("trusted", { ...this.since });
    return true;
  }

  /** Asks the machine (Clock.refresh) and checks every `pollMs` until trusted. */
  start(): void {
    if (this.timer || this.since) return;
    this.stopped = false;
    const tick = async () => {
      this.timer = undefined;
      try {
        await this.clock.refresh?.();
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, "could not ask whether the clock is synchronised");
      }
      if (this.stopped) return;
      if (this.check()) return;
      this.timer = setTimeout(() => void tick(), this.pollMs);
      this.timer.unref?.();
    };
    this.check();
    if (!this.since) void tick();
  }

  stop(): void {
    this.stopped = true;
    this.stopPolling();
  }

  /** The wall time of a monotonic time (the clock must be trusted). */
  wallOf(monoMs: number): number {
    if (!this.since)
      throw new Error("the clock is not trusted yet: monotonic times cannot be rebased");
    return monoToWall(monoMs, this.since.wallMs, this.since.monoMs);
  }

  /**
   * Which scale a file time (an mtime, on this clock's wall scale: see
   * `Clock.fileTimeMs`) belongs to, and its value there. Samples the clock.
   */
  place(fileWallMs: number): PlacedTime {
    const trusted = this.check();
    if (trusted) {
      const since = this.since!;
      if (fileWallMs >= since.wallMs - (this.pollMs + 2_000))
        return { scale: "wall", ms: fileWallMs };
      if (this.untrustedOffset === undefined) {
        // Older than this process, which never saw the clock untrusted: the
        // previous process stamped it; believe it unless it is certainly wrong.
        return passesFloor(fileWallMs, this.floorMs)
          ? { scale: "wall", ms: fileWallMs }
          : {
              scale: "unknown",
              reason: "stamped by a clock before the floor, in an earlier process",
            };
      }
      return this.untrustedMono(fileWallMs);
    }
    return this.untrustedMono(fileWallMs);
  }

  private untrustedMono(fileWallMs: number): PlacedTime {
    const mono = fileWallMs - (this.untrustedOffset ?? 0);
    const now = this.clock.monoNow();
    if (this.untrustedOffset === undefined || mono > now + 1_000) {
      return { scale: "unknown", reason: "the file time fits no clock this process has seen" };
    }
    return { scale: "mono", ms: mono };
  }

  private stopPolling(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
