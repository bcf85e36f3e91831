import type { SegmentListEntry } from "./segment-list";
import { type StreamWallBase, streamToWallMs } from "./wallclock-pts";

/**
 * The time model: how a segment gets its UTC wall-clock start and duration.
 *
 * Two clocks are involved. ffmpeg's stream time (the csv's `start,end`, in
 * seconds) is exact and continuous within one ffmpeg process; the system's
 * wall clock says what time it is, but only roughly when each frame was
 * captured. Like MediaMTX and Moonfire NVR, Kiroku takes durations from the
 * stream and the anchor from the wall clock:
 *
 * - Anchor. A run is anchored when its first segment closes: ffmpeg writes
 *   a segment's last byte when the packet that ends it arrives, so the file's
 *   modification time (`closedAtMs`, taken by the kernel, unaffected by Node's
 *   event loop) is the wall-clock time of stream time `end`. The run's
 *   wall-clock origin is `closedAtMs - (end - start)` of that first segment.
 * - Within a run, a segment starts at `anchor + round(1000 * (start - start0))`
 *   and lasts `round(1000 * (end - start0)) - round(1000 * (start - start0))`
 *   ms: the ms values are rounded from the same stream time, so segment k+1
 *   starts exactly where segment k ends (no false 1 ms gaps or overlaps in a
 *   playlist), and rounding never accumulates.
 * - Drift and clock steps. At every closed segment the model compares where
 *   the stream says the segment ended (`anchor + end`) with the file's
 *   modification time. If they differ by more than `maxDriftMs` (default
 *   1 s) — the camera's clock runs fast or slow, ffmpeg fell behind, or the
 *   system clock was stepped (NTP's first sync on a Pi without an RTC, an
 *   operator's `date -s`) — the run is re-anchored: the segment starts a new
 *   run, placed by the wall clock again. The playlist shows a discontinuity
 *   there, and times never stray more than `maxDriftMs` from the system clock.
 *   A camera clock off by 100 ppm gives a new run about every 3 hours.
 * - Stream time that goes backwards (a camera's timestamps reset, RTMP
 *   timestamps wrap) also starts a new run.
 * - A new ffmpeg attempt (restart, reconnect, new RTMP publisher) gets a new
 *   RunClock, hence always a new run.
 * - Pinned runs. When the attempt's timestamps carry the wall clock
 *   (`-output_ts_offset`, wallclock-pts.ts), the anchor is that base instead
 *   of the first file's close: a segment starts at the wall time of its
 *   first timestamp, so its key and its PTS agree exactly. The base is taken
 *   when ffmpeg is spawned, so a pinned run's times are early by ffmpeg's
 *   start-up (loading, opening the source: typically 0.1-1 s), which the
 *   first segment measures as its drift; up to `startAllowanceMs` beyond
 *   `maxDriftMs` is accepted there. From then on the drift check compares
 *   each file's close with that first drift; past `maxDriftMs` the run is
 *   re-anchored on the wall clock as above and stays unpinned (its
 *   timestamps no longer tell the time), which the reason says.
 */
export interface PlacedSegment {
  startMs: number;
  durationMs: number;
  /** This segment starts a new run (first of the attempt, or re-anchored). */
  newRun: boolean;
  /** Why a new run began after the first, for logs: "drift 1520 ms", "stream time went back". */
  reason?: string;
  /** Stream end minus wall clock at this segment, ms (positive: stream ahead). */
  driftMs: number;
}

export class RunClock {
  private anchorMs = 0;
  private baseS = 0;
  private lastEndS = Number.NEGATIVE_INFINITY;
  private started = false;

  /** The stream-to-wall mapping while the run is pinned to its timestamps. */
  private pin: StreamWallBase | undefined;

  /** The first pinned segment's drift: ffmpeg's start-up, kept out of later drift checks. */
  private pinDriftMs = 0;

  constructor(
    readonly maxDriftMs = 1_000,
    pin?: StreamWallBase,
    readonly startAllowanceMs = 3_000,
  ) {
    this.pin = pin;
  }

  /** True while segment times come from the timestamps' wall-clock base. */
  get pinned(): boolean {
    return this.pin !== undefined;
  }

  /** Places a closed segment in wall-clock time. `closedAtMs`: when its last byte was written. */
  place(entry: SegmentListEntry, closedAtMs: number): PlacedSegment {
    if (this.pin) return this.placePinned(this.pin, entry, closedAtMs);
    if (!this.started) {
      this.started = true;
      return this.anchor(entry, closedAtMs);
    }
    if (entry.startS < this.lastEndS - 0.001) {
      return { ...this.anchor(entry, closedAtMs), reason: "stream time went back" };
    }
    const relStart = Math.round((entry.startS - this.baseS) * 1000);
    const relEnd = Math.round((entry.endS - this.baseS) * 1000);
    const driftMs = this.anchorMs + relEnd - closedAtMs;
    if (Math.abs(driftMs) > this.maxDriftMs) {
      return { ...this.anchor(entry, closedAtMs), reason: `drift ${Math.round(driftMs)} ms` };
    }
    this.lastEndS = entry.endS;
    return {
      startMs: this.anchorMs + relStart,
      durationMs: relEnd - relStart,
      newRun: false,
      driftMs,
    };
  }

  /** A pinned placement; re-anchored (and unpinned) when the stream strays from the wall clock. */
  private placePinned(
    pin: StreamWallBase,
    entry: SegmentListEntry,
    closedAtMs: number,
  ): PlacedSegment {
    const back = this.started && entry.startS < this.lastEndS - 0.001;
    const startMs = Math.round(streamToWallMs(pin, entry.startS));
    const endMs = Math.round(streamToWallMs(pin, entry.endS));
    const driftMs = endMs - closedAtMs;
    // Negative drift: the stream's times are behind the file's close (start-up, slow writes).
    const strays = this.started
      ? Math.abs(driftMs - this.pinDriftMs) > this.maxDriftMs
      : driftMs > this.maxDriftMs || driftMs < -(this.maxDriftMs + this.startAllowanceMs);
    if (!this.started) this.pinDriftMs = driftMs;
    if (back || strays) {
      this.pin = undefined;
      this.started = true;
      const why = back ? "stream time went back" : `drift ${Math.round(driftMs)} ms`;
      return {
        ...this.anchor(entry, closedAtMs),
        reason: `${why}; timestamps no longer tell the wall clock`,
      };
    }
    const newRun = !this.started;
    this.started = true;
    this.lastEndS = entry.endS;
    return { startMs, durationMs: endMs - startMs, newRun, driftMs };
  }

  private anchor(entry: SegmentListEntry, closedAtMs: number): PlacedSegment {
    const durationMs = Math.round((entry.endS - entry.startS) * 1000);
    this.anchorMs = Math.round(closedAtMs) - durationMs;
    this.baseS = entry.startS;
    this.lastEndS = entry.endS;
    return { startMs: this.anchorMs, durationMs, newRun: true, driftMs: 0 };
  }
}
