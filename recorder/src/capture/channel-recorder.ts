import { EventEmitter } from "node:events";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import {
  Backoff,
  type BackoffOptions,
  DEFAULT_BACKOFF,
  type Logger,
  type SourceState,
} from "@kiroku/shared";
import type { ClockTrust } from "../clock/clock-trust";
import type { ChannelConfig } from "../recorder-config";
import { sourceTimeoutSeconds } from "../source";
import type { CompletedSegment, MediaInfo } from "../spool/completed-segment";
import { writeDurable } from "../spool/durable-write";
import { moveNoClobber, moveToPartial } from "../spool/file-moves";
import { heldFileName, releaseHeld } from "../spool/held-segments";
import { queueSegment } from "../spool/queue-handover";
import {
  type QuarantinedSegment,
  quarantineSegment,
  readAndCheckSegment,
} from "../spool/segment-check";
import { listNames } from "../spool/spool";
import {
  type ChannelSpool,
  channelSpool,
  parseQueueFileName,
  queueFileName,
} from "../spool/spool-layout";
import { SpoolState } from "../spool/spool-state";
import { AttemptOutput, attemptFolder, type ClosedSegmentFile } from "./attempt-output";
import { buildFfmpegArgs } from "./ffmpeg-args";
import {
  type FfmpegExit,
  type FfmpegProcess,
  type SpawnFfmpeg,
  spawnFfmpeg,
} from "./ffmpeg-process";
import { hasHardwareH264Encoder } from "./hardware-encoder";
import { FFMPEG_PID_NAME, stopLeftoverFfmpeg } from "./leftover-ffmpeg";
import { mediaEntry } from "./media-entry";
import { rtmpPeerAddress } from "./rtmp-peer";
import { RunClock } from "./run-clock";
import { type RunEndReason, stopReasonWord } from "./run-end-reason";
import { checkSource, SOURCE_WAIT_BACKOFF, type SourceCheck } from "./source-check";
import { StreamInfoParser } from "./stream-info";
import {
  type StreamWallBase,
  streamWallBase,
  tsOffsetArgument,
  withMediaStart,
} from "./wallclock-pts";

/**
 * The lifetime supervisor of one channel (MediaMTX style): it lives from
 * `start()` to `stop()` and owns one ffmpeg process per attempt, never two at
 * once (the next attempt starts only after the previous process has exited).
 *
 * - Any exit that was not asked for, including exit code 0 (what ffmpeg
 *   returns when an RTSP camera vanishes or an RTMP publisher leaves), is a
 *   restart after a capped, jittered exponential backoff (backoff.ts); an
 *   attempt that recorded at least one segment resets the backoff.
 * - Before every attempt the source is checked (source-check.ts): while a
 *   V4L2 device is absent or an RTSP camera refuses connections, no ffmpeg
 *   runs; the channel reports `waiting for device` / `source unavailable`
 *   with the reason and checks again with a short capped backoff (0.5 to
 *   2 s), so it records within seconds of the source appearing. This is the
 *   channel's trouble alone: the daemon and other channels go on.
 * - Stall watchdog: once the source is open, no new segment within
 *   2 × TARGET_DURATION + the source timeout (5 s, or SOURCE_TIMEOUT for RTSP)
 *   kills ffmpeg and restarts it. Before the source opens the budget is 10 s
 *   longer (RTSP set-up, probing); an RTMP listener waits for its publisher
 *   without a deadline.
 * - Kill (stop, stall) escalates: one SIGINT (ffmpeg finalizes and lists its
 *   current segment), SIGTERM after 2 s, SIGKILL 1.5 s later.
 * - ffmpeg has a process group of its own, so a terminal's Ctrl-C reaches it
 *   only through this supervisor (ffmpeg-process.ts); one left running by a
 *   recorder that was killed outright is stopped at the next start before
 *   its folder is recovered (leftover-ffmpeg.ts).
 * - Segments: see attempt-output.ts (completion), run-clock.ts (time model)
 *   and spool-state.ts (run/seq counters). Each closed segment is verified
 *   first (spool/segment-check.ts): a torn tail is cut to the last complete
 *   frame and the segment ends where its media ends (media-entry.ts); a file
 *   that is not video goes to `quarantine/` (event `quarantined`) and gets no
 *   key. Then the counters are persisted, the file is moved durably into
 *   `queue/` under its final name (spool/queue-handover.ts), and only then
 *   `onSegment` is called.
 * - The clock gate (with `trust`): a segment is keyed by wall time only when
 *   ClockTrust places its close time on the trusted wall scale. Otherwise it
 *   is timed on the monotonic clock and moved into `held/` (never uploaded;
 *   `held` is emitted instead of `onSegment`), and its run's start and end
 *   events wait too. When the clock becomes trusted, `releaseHeld()` rebases
 *   the held segments onto wall time, moves them into `queue/`, hands each to
 *   `onSegment` and emits the waiting run events with wall times. A change
 *   of scale ends the run: the playlist shows a discontinuity there.
 */
export type ChannelStateName = "recording" | "reconnecting" | "stopped";

export interface ChannelStatus {
  channel: string;
  state: ChannelStateName;
  /** When the channel entered this state (epoch ms). */
  sinceMs: number;
  /** Why the last attempt ended, when it ended badly. */
  lastError?: string;
  /** The run being recorded (state `recording`). */
  run?: number;
  /** What the capture side is doing, finer than `state` (see SOURCE_STATES in shared). */
  sourceState: SourceState;
  /** ffmpeg restarts since start(). */
  restarts: number;
}

export interface RunStartedEvent {
  channel: string;
  run: number;
  /** Wall-clock start of the run's first segment. */
  startMs: number;
  /** The source with credentials and stream keys masked. */
  source: string;
  remoteAddress?: string;
  media?: MediaInfo;
}

export interface RunEndedEvent {
  channel: string;
  run: number;
  /** Wall-clock end of the run's last segment. */
  endMs: number;
  /** One word (run-end-reason.ts): `shutdown`, `source-lost`, `stall`, … */
  reason: RunEndReason;
  /** The particulars: ffmpeg's exit and last line, the drift measured, … */
  detail?: string;
  segments: number;
}

export interface RestartEvent {
  channel: string;
  /** The attempt that ended. */
  attempt: number;
  reason: string;
  delayMs: number;
  exit: FfmpegExit;
}

/** A closed segment that was torn and cut to its last complete frame before it was keyed. */
export interface TrimmedEvent {
  channel: string;
  /** Where ffmpeg wrote it. */
  file: string;
  cutBytes: number;
  durationMs: number;
  reason: string;
}

export interface ChannelRecorderEvents {
  state: [ChannelStatus];
  /** A closed segment was not decodable video: moved to `quarantine/`, never keyed or uploaded. */
  quarantined: [QuarantinedSegment];
  trimmed: [TrimmedEvent];
  runStarted: [RunStartedEvent];
  runEnded: [RunEndedEvent];
  restart: [RestartEvent];
  /** A segment completed while the clock is not trusted: kept in `held/`, not handed over. */
  held: [{ channel: string; seq: number; bytes: number; path: string }];
  /** ffmpeg started (pid) for an attempt. */
  spawned: [{ channel: string; attempt: number; pid: number }];
}

export interface StopTimeouts {
  /** SIGINT → SIGTERM after this long. */
  sigtermAfterMs: number;
  /** SIGTERM → SIGKILL after this long. */
  sigkillAfterMs: number;
}

export interface ChannelRecorderOptions {
  channel: ChannelConfig;
  spoolDir: string;
  /** TARGET_DURATION in seconds. */
  targetDuration: number;
  log: Logger;
  onSegment: (seg: CompletedSegment) => void;
  /** Wall clock (epoch ms). */
  clock?: () => number;
  /**
   * The clock gate: segments are keyed only with a trusted wall clock, held
   * on the monotonic clock meanwhile (see above). Without it every segment is
   * keyed by its file time (local capture, unit tests).
   */
  trust?: ClockTrust;
  spawn?: SpawnFfmpeg;
  /** Waits between attempts; must resolve early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  backoff?: BackoffOptions;
  stopTimeouts?: StopTimeouts;
  /** Override hardware encoder detection. */
  hardwareEncoder?: boolean;
  /** Re-anchor a run when stream and wall clock disagree by more than this. */
  maxDriftMs?: number;
  /** Override the stall budget (ms since the last segment). */
  stallTimeoutMs?: number;
  /** Polling fallback of the segment list. */
  pollMs?: number;
  /** Is the source there now? (default: source-check.ts). */
  checkSource?: (source: ChannelConfig["source"]) => Promise<SourceCheck>;
  /** Delays between checks of an absent source (default SOURCE_WAIT_BACKOFF). */
  sourceWaitBackoff?: BackoffOptions;
}

export const DEFAULT_STOP_TIMEOUTS: StopTimeouts = { sigtermAfterMs: 2_000, sigkillAfterMs: 1_500 };

interface Attempt {
  id: number;
  proc?: FfmpegProcess;
  output: AttemptOutput;
  runClock: RunClock;
  /** The time scale of `runClock` (and of the run's times): wall, or monotonic while held. */
  scale: "wall" | "mono";
  parser: StreamInfoParser;
  run?: number;
  runStartMs?: number;
  runEndMs?: number;
  runSegments: number;
  runBytes: number;
  runDurationMs: number;
  segments: number;
  killReason?: string;
  killTimers: NodeJS.Timeout[];
  stderrTail: string[];
  exit?: FfmpegExit;
  /** The write of `ffmpeg.pid`, awaited before the folder is finished (and removed). */
  pidFile?: Promise<void>;
  /**
   * Left by a previous process (crash, power cut): its files may be torn.
   * Otherwise every file it lists was closed by this process's ffmpeg, so
   * each ends where its last frame ends (TsVerifyOptions.closedByWriter).
   */
  recovered: boolean;
}

export class ChannelRecorder extends EventEmitter<ChannelRecorderEvents> {
  private markRecovered!: () => void;
  private readonly recoveredPromise = new Promise<void>((resolve) => {
    this.markRecovered = resolve;
  });
  readonly spool: ChannelSpool;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly backoff: Backoff;
  private readonly stopTimeouts: StopTimeouts;
  private readonly stallMs: number;
  private readonly hardwareEncoder: boolean;
  /**
   * How long ffmpeg took from spawn to its first timestamp last time (ms):
   * the next attempt's timestamps start that much after its spawn, so a
   * pinned run's keys are early by the change in start-up, not all of it.
   */
  private startupMs = 0;
  private state: SpoolState | undefined;
  private current: Attempt | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private watchdog: NodeJS.Timeout | undefined;
  private status: ChannelStatus;
  /** Run events of held runs (monotonic times), emitted rebased by releaseHeld(). */
  private heldRunEvents: (
    | { kind: "runStarted"; event: RunStartedEvent }
    | { kind: "runEnded"; event: RunEndedEvent }
  )[] = [];
  /** Releases run one at a time. */
  private releasing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ChannelRecorderOptions) {
    super();
    this.spool = channelSpool(opts.spoolDir, opts.channel.name);
    this.log = opts.log.child({ channel: opts.channel.name });
    this.clock = opts.clock ?? Date.now;
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF, opts.random ?? Math.random);
    this.stopTimeouts = opts.stopTimeouts ?? DEFAULT_STOP_TIMEOUTS;
    this.stallMs =
      opts.stallTimeoutMs ??
      (2 * opts.targetDuration + sourceTimeoutSeconds(opts.channel.source)) * 1000;
    this.hardwareEncoder = opts.hardwareEncoder ?? hasHardwareH264Encoder();
    this.status = {
      channel: opts.channel.name,
      state: "reconnecting",
      sinceMs: this.clock(),
      restarts: 0,
      sourceState: "connecting",
    };
  }

  /** Stall budget in ms: no segment for this long (after the source opened) restarts ffmpeg. */
  get stallTimeoutMs(): number {
    return this.stallMs;
  }

  /**
   * Settles once what a previous process left in `incoming/` is recovered and
   * queued (or recovery failed): until then a heartbeat would understate the
   * spool, so the daemon writes its first one only after this.
   */
  get recovered(): Promise<void> {
    return this.recoveredPromise;
  }

  /** Starts recording (recovering what a previous process left in `incoming/` first). */
  start(): void {
    if (this.loop) return;
    this.loop = this.runLoop().catch((err) => {
      this.log.error({ err: String(err) }, "channel recorder failed");
      this.setState("stopped", String(err));
    });
  }

  /**
   * Stops gracefully: ffmpeg finalizes its current segment (SIGINT, then
   * SIGTERM and SIGKILL on timers), the last segment is handed over as
   * complete, and the promise settles once ffmpeg is gone. `reason` ends the
   * run's record ("shutdown", "disabled").
   */
  async stop(reason: "shutdown" | "disabled" = "shutdown"): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.current) this.kill(this.current, reason);
    await this.loop;
    if (this.status.state !== "stopped") this.setState("stopped");
  }

  /** A fresh attempt whose output folder hands each closed segment to `complete`. */
  private newAttempt(
    id: number,
    dir: string,
    output: { pollMs?: number; watch?: boolean; pin?: StreamWallBase },
  ): Attempt {
    const attempt: Attempt = {
      id,
      output: undefined as unknown as AttemptOutput,
      runClock: new RunClock(this.opts.maxDriftMs, output.pin),
      scale: "wall",
      parser: new StreamInfoParser(),
      runSegments: 0,
      runBytes: 0,
      runDurationMs: 0,
      segments: 0,
      killTimers: [],
      stderrTail: [],
      recovered: output.watch === false,
    };
    const { pin: _pin, ...outputOptions } = output;
    attempt.output = new AttemptOutput(dir, this.spool, {
      log: this.log,
      ...outputOptions,
      onClosed: (closed) => this.complete(attempt, closed),
    });
    return attempt;
  }

  private async runLoop(): Promise<void> {
    try {
      this.state = await SpoolState.load(this.spool, this.opts.channel.name);
      await this.recoverIncoming();
      // Segments a previous process of this boot held, when the clock is trusted already.
      if (this.opts.trust?.trusted) await this.releaseHeld();
    } finally {
      this.markRecovered();
    }
    while (!this.stopping) {
      if (!(await this.waitForSource())) break;
      const id = this.state.takeAttempt();
      await this.state.save();
      const attempt = await this.runAttempt(id);
      if (this.stopping) break;
      const reason = attempt.killReason ?? describeExit(attempt);
      if (attempt.segments > 0) this.backoff.reset();
      const delayMs =
        attempt.segments > 0 && attempt.killReason === undefined ? 0 : this.backoff.next();
      this.status.restarts++;
      // Nothing recorded and not stopped by us: the source (or ffmpeg's view of it) is failing.
      const recorded = attempt.segments > 0 || attempt.killReason !== undefined;
      this.setState(
        "reconnecting",
        reason,
        undefined,
        recorded ? "restarting" : "source unavailable",
      );
      this.log.warn(
        { attempt: id, reason, delayMs, stderr: attempt.stderrTail.slice(-3) },
        "ffmpeg ended; restarting",
      );
      this.emit("restart", {
        channel: this.opts.channel.name,
        attempt: id,
        reason,
        delayMs,
        exit: (await attempt.proc?.exited) ?? { code: null, signal: null },
      });
      if (delayMs > 0) await (this.opts.sleep ?? abortableSleep)(delayMs, this.abort.signal);
    }
  }

  private async runAttempt(id: number): Promise<Attempt> {
    const dir = attemptFolder(this.spool, id);
    await mkdir(dir, { recursive: true });
    // Timestamps start at the wall clock (wallclock-pts.ts); the run is pinned
    // to them (keys = PTS) only when that clock is trusted now.
    const tsBase = streamWallBase(this.clock() + this.startupMs);
    const plan = buildFfmpegArgs({
      source: this.opts.channel.source,
      targetDuration: this.opts.targetDuration,
      outDir: dir,
      hardwareEncoder: this.hardwareEncoder,
      tsOffset: tsOffsetArgument(tsBase),
    });
    const trusted = this.opts.trust === undefined || this.opts.trust.trusted;
    const attempt = this.newAttempt(id, dir, {
      pollMs: this.opts.pollMs,
      ...(trusted ? { pin: tsBase } : {}),
    });
    this.current = attempt;
    attempt.output.start();
    this.armWatchdog(attempt, this.stallMs + 10_000);
    const proc = (this.opts.spawn ?? spawnFfmpeg)(plan, {
      onLine: (line) => this.onLine(attempt, line),
      onSpawn: (pid) => {
        // Lets a later recorder stop this ffmpeg should this process die first.
        attempt.pidFile = writeDurable(path.join(dir, FFMPEG_PID_NAME), `${pid}\n`).catch(() => {});
        this.emit("spawned", { channel: this.opts.channel.name, attempt: id, pid });
      },
    });
    attempt.proc = proc;
    this.log.info({ attempt: id, source: this.opts.channel.sourceLabel }, "ffmpeg started");
    this.setSourceState(
      this.opts.channel.source.kind === "rtmp" ? "waiting for publisher" : "connecting",
    );
    if (this.stopping) this.kill(attempt, "shutdown");
    const exit = await proc.exited;
    attempt.exit = exit;
    this.clearWatchdog();
    for (const t of attempt.killTimers) clearTimeout(t);
    this.log.info({ attempt: id, ...exit }, "ffmpeg exited");
    await attempt.pidFile;
    await attempt.output.finish();
    if (attempt.run !== undefined) {
      if (attempt.killReason !== undefined)
        this.endRun(attempt, stopReasonWord(attempt.killReason), attempt.killReason);
      else
        this.endRun(
          attempt,
          attempt.segments > 0 ? "source-lost" : "ffmpeg-error",
          describeExit(attempt),
        );
    }
    this.current = undefined;
    return attempt;
  }

  private onLine(attempt: Attempt, raw: string): void {
    const line = redactLine(raw, this.opts.channel);
    attempt.stderrTail.push(line);
    if (attempt.stderrTail.length > 20) attempt.stderrTail.shift();
    const wasOpen = attempt.parser.inputOpened;
    attempt.parser.push(line);
    if (!wasOpen && attempt.parser.inputOpened) {
      // The source answered (an RTMP publisher connected): the stall budget starts now.
      this.armWatchdog(attempt, this.stallMs);
      if (this.status.sourceState === "waiting for publisher") this.setSourceState("connecting");
    }
  }

  /** One closed segment: verify it, place it in time, number it, move it to the queue, persist, announce. */
  private async complete(attempt: Attempt, raw: ClosedSegmentFile): Promise<void> {
    const state = this.state!;
    // Queued already before a crash (between link and unlink, or since uploaded): never twice.
    const earlier = await attempt.output.recognise(raw.file);
    if (earlier) {
      if (earlier.kind === "requeued") this.announceRequeued(earlier.path, raw.bytes);
      return;
    }
    const name = path.basename(raw.file);
    const { verdict, sha256 } = await readAndCheckSegment(raw.file, {
      closedByWriter: !attempt.recovered,
    });
    if (!verdict.ok && verdict.code === "too-short" && !attempt.recovered) {
      // ffmpeg closed it whole with under two frames: stopped (or its source
      // lost) right after a segment began. Nothing is damaged and nothing
      // worth keying is in it (a frame or two): not a quarantine to report.
      const kept = await moveToPartial(this.spool, `a${attempt.id}_${name}`, raw.file);
      this.log.info(
        { file: kept, reason: verdict.reason },
        "segment of under two frames (ffmpeg stopped just after it began) kept in partial/, not uploaded",
      );
      return;
    }
    if (!verdict.ok) {
      const from = path.relative(this.spool.root, raw.file);
      const q = await quarantineSegment(
        this.spool,
        this.opts.channel.name,
        raw.file,
        `a${attempt.id}_${name}`,
        from,
        verdict,
        this.log,
      );
      this.emit("quarantined", q);
      return;
    }
    // ffmpeg lists an attempt's first segment from 0: its media says where it starts.
    const timed = mediaEntry(withMediaStart(raw.entry, verdict.startPts), verdict);
    if (verdict.trimmed) {
      const reason = verdict.trimReason ?? "torn";
      this.log.warn(
        {
          file: name,
          attempt: attempt.id,
          cutBytes: verdict.bytes - verdict.validBytes,
          durationMs: verdict.durationMs,
          listedMs: Math.round((raw.entry.endS - raw.entry.startS) * 1000),
          reason,
        },
        "torn segment trimmed to its last complete frame; keyed with its true duration",
      );
      this.emit("trimmed", {
        channel: this.opts.channel.name,
        file: raw.file,
        cutBytes: verdict.bytes - verdict.validBytes,
        durationMs: verdict.durationMs,
        reason,
      });
    }
    if (timed.disagreement) {
      this.log.warn(
        { file: name, disagreement: timed.disagreement },
        "segment media and ffmpeg's list disagree; keeping the list's times",
      );
    }
    const closed: ClosedSegmentFile = { ...raw, entry: timed.entry, bytes: verdict.validBytes };
    const trust = this.opts.trust;
    const fileTime = trust?.clock.fileTimeMs?.(closed.closedAtMs) ?? closed.closedAtMs;
    const when = trust ? trust.place(fileTime) : ({ scale: "wall", ms: fileTime } as const);
    if (when.scale === "unknown") {
      const kept = await moveToPartial(
        this.spool,
        `a${attempt.id}_${path.basename(closed.file)}`,
        closed.file,
      );
      this.log.error(
        { file: kept, reason: when.reason },
        "segment of unknown time (written before a clock step) kept in partial/ and not uploaded",
      );
      return;
    }
    if (when.scale !== attempt.scale) {
      // Times of the two scales never mix in one run.
      if (attempt.run !== undefined)
        this.endRun(
          attempt,
          "clock-change",
          when.scale === "wall" ? "clock synchronised" : "clock not trusted",
        );
      attempt.run = undefined;
      attempt.scale = when.scale;
      attempt.runClock = new RunClock(this.opts.maxDriftMs);
      // The run just ended waits with the held segments: release them now.
      if (when.scale === "wall") void this.releaseHeld();
    }
    const held = when.scale === "mono";
    const placed = attempt.runClock.place(closed.entry, when.ms);
    if (placed.durationMs <= 0) {
      await moveToPartial(this.spool, `a${attempt.id}_${path.basename(closed.file)}`, closed.file);
      this.log.warn({ file: closed.file }, "segment of zero duration kept in partial/");
      return;
    }
    if (placed.newRun && attempt.runClock.pinned && attempt.runSegments === 0) {
      // The first segment's drift is ffmpeg's start-up beyond the estimate used.
      this.startupMs = Math.min(3_000, Math.max(0, this.startupMs - placed.driftMs));
    }
    let newRun = false;
    if (placed.newRun) {
      if (attempt.run !== undefined) this.endRun(attempt, "re-anchored", placed.reason);
      attempt.run = state.takeRun();
      attempt.runStartMs = placed.startMs;
      attempt.runSegments = 0;
      attempt.runBytes = 0;
      attempt.runDurationMs = 0;
      newRun = true;
      if (placed.reason)
        this.log.warn({ run: attempt.run, reason: placed.reason }, "new run: time re-anchored");
    }
    attempt.runSegments++;
    attempt.runBytes += closed.bytes;
    attempt.runDurationMs += placed.durationMs;
    attempt.runEndMs = placed.startMs + placed.durationMs;
    const media = this.mediaOf(attempt);
    const ref = {
      channel: this.opts.channel.name,
      startMs: placed.startMs,
      durationMs: placed.durationMs,
      run: attempt.run!,
      seq: state.takeSeq(),
    };
    // The counters first: a key in the queue journal or queue/ must never be handed out again.
    await state.save();
    let target: string;
    if (held) {
      target = path.join(this.spool.held, heldFileName(trust!.clock.monoOrigin, ref));
      await mkdir(this.spool.held, { recursive: true });
      await moveNoClobber(closed.file, target);
    } else {
      // fsync, journal, link into queue/, fsync queue/, unlink (spool/queue-handover.ts).
      // The verifier's read gave the content hash: a whole file is read once.
      ({ path: target } = await queueSegment({
        file: closed.file,
        queueName: queueFileName(ref),
        spool: this.spool,
        ...(sha256 ? { sha256 } : {}),
      }));
    }
    const seg: CompletedSegment = { ...ref, path: target, bytes: closed.bytes, media };
    attempt.segments++;
    this.armWatchdog(attempt, this.stallMs);
    if (newRun) {
      const source = this.opts.channel.source;
      // An RTMP run is one publisher: name it (its connection is still open now).
      const remoteAddress =
        source.kind === "rtmp" && attempt.exit === undefined
          ? await rtmpPeerAddress(source.port)
          : undefined;
      const started: RunStartedEvent = {
        channel: ref.channel,
        run: ref.run,
        startMs: ref.startMs,
        source: this.opts.channel.sourceLabel,
        ...(remoteAddress ? { remoteAddress } : {}),
        media,
      };
      if (held) this.heldRunEvents.push({ kind: "runStarted", event: started });
      else this.emit("runStarted", started);
      this.log.info({ run: ref.run, media }, "run started");
    }
    if (this.status.state !== "recording" || this.status.run !== ref.run) {
      this.setState("recording", undefined, ref.run);
    }
    this.log.debug(
      { seq: ref.seq, run: ref.run, durationMs: ref.durationMs, bytes: seg.bytes, held },
      held ? "segment complete; held until the clock is trusted" : "segment complete",
    );
    if (held) {
      this.emit("held", { channel: ref.channel, seq: ref.seq, bytes: seg.bytes, path: target });
      // Trust may have arrived while this segment was being moved: release it now.
      if (trust?.trusted) void this.releaseHeld();
      return;
    }
    try {
      this.opts.onSegment(seg);
    } catch (err) {
      this.log.error({ err: String(err) }, "onSegment handler threw");
    }
  }

  /** A segment queued before a crash whose queue name was lost, queued again under its key. */
  private announceRequeued(file: string, bytes: number): void {
    const ref = parseQueueFileName(this.opts.channel.name, path.basename(file));
    if (!ref) return;
    try {
      this.opts.onSegment({ ...ref, path: file, bytes });
    } catch (err) {
      this.log.error({ err: String(err) }, "onSegment handler threw");
    }
  }

  private mediaOf(attempt: Attempt): MediaInfo {
    const media = attempt.parser.media;
    if (media.bitrate === undefined && attempt.runDurationMs > 0) {
      // Copied streams declare no bitrate: measure it from what was written.
      media.bitrate = Math.round((attempt.runBytes * 8 * 1000) / attempt.runDurationMs);
    }
    return media;
  }

  private endRun(attempt: Attempt, reason: RunEndReason, detail?: string): void {
    if (attempt.run === undefined) return;
    const ended: RunEndedEvent = {
      channel: this.opts.channel.name,
      run: attempt.run,
      endMs: attempt.runEndMs ?? attempt.runStartMs ?? this.clock(),
      reason,
      ...(detail !== undefined && detail !== reason ? { detail } : {}),
      segments: attempt.runSegments,
    };
    if (attempt.scale === "mono") this.heldRunEvents.push({ kind: "runEnded", event: ended });
    else this.emit("runEnded", ended);
    this.log.info({ run: attempt.run, reason, detail, segments: attempt.runSegments }, "run ended");
  }

  /**
   * The clock is trusted: rebases this channel's held segments onto wall
   * time, queues them (oldest first, each handed to `onSegment`) and emits
   * the run events that waited with them. Releases never overlap; one asked
   * for while the clock is untrusted does nothing.
   */
  releaseHeld(): Promise<void> {
    this.releasing = this.releasing
      .then(async () => {
        const trust = this.opts.trust;
        if (!trust?.trusted) return;
        const events = this.heldRunEvents;
        this.heldRunEvents = [];
        const segments = await releaseHeld({
          spool: this.spool,
          channel: this.opts.channel.name,
          origin: trust.clock.monoOrigin,
          wallOf: (mono) => trust.wallOf(mono),
          log: this.log,
        });
        // A run's record opens, its segments follow, then it closes (history.ts).
        for (const e of events) {
          if (e.kind === "runStarted")
            this.emit("runStarted", {
              ...e.event,
              startMs: Math.round(trust.wallOf(e.event.startMs)),
            });
        }
        for (const seg of segments) {
          try {
            this.opts.onSegment(seg);
          } catch (err) {
            this.log.error({ err: String(err) }, "onSegment handler threw");
          }
        }
        for (const e of events) {
          if (e.kind === "runEnded")
            this.emit("runEnded", { ...e.event, endMs: Math.round(trust.wallOf(e.event.endMs)) });
        }
      })
      .catch((err) => this.log.error({ err: String(err) }, "could not release held segments"));
    return this.releasing;
  }

  /** Idempotent per attempt: SIGINT now, SIGTERM and SIGKILL on timers. */
  private kill(attempt: Attempt, reason: string): void {
    if (attempt.killReason !== undefined || !attempt.proc) {
      if (!attempt.proc) attempt.killReason ??= reason;
      return;
    }
    attempt.killReason = reason;
    this.log.info({ attempt: attempt.id, reason }, "stopping ffmpeg");
    const proc = attempt.proc;
    proc.signal("SIGINT");
    const { sigtermAfterMs, sigkillAfterMs } = this.stopTimeouts;
    attempt.killTimers.push(
      setTimeout(() => {
        this.log.warn({ attempt: attempt.id }, "ffmpeg ignored SIGINT; sending SIGTERM");
        proc.signal("SIGTERM");
      }, sigtermAfterMs),
      setTimeout(() => {
        this.log.warn({ attempt: attempt.id }, "ffmpeg ignored SIGTERM; sending SIGKILL");
        proc.signal("SIGKILL");
      }, sigtermAfterMs + sigkillAfterMs),
    );
  }

  private armWatchdog(attempt: Attempt, ms: number): void {
    this.clearWatchdog();
    const rtmpWaiting = this.opts.channel.source.kind === "rtmp" && !attempt.parser.inputOpened;
    if (rtmpWaiting) return; // a listener may wait for its publisher as long as it likes
    this.watchdog = setTimeout(() => {
      this.log.warn({ attempt: attempt.id, ms }, "no new segment: ffmpeg stalled");
      this.kill(attempt, `stall: no segment for ${Math.round(ms / 1000)} s`);
    }, ms);
    this.watchdog.unref?.();
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private setState(
    state: ChannelStateName,
    lastError?: string,
    run?: number,
    sourceState: SourceState = state === "reconnecting" ? "restarting" : state,
  ): void {
    this.status = {
      channel: this.opts.channel.name,
      state,
      sinceMs: this.clock(),
      restarts: this.status.restarts,
      ...(lastError !== undefined ? { lastError } : {}),
      ...(run !== undefined ? { run } : {}),
      sourceState,
    };
    this.emit("state", { ...this.status });
  }

  /** A finer step within the same state (connecting, waiting for publisher): `since` and `lastError` stay. */
  private setSourceState(sourceState: SourceState): void {
    if (this.status.sourceState === sourceState) return;
    const { lastError: _kept, ...rest } = this.status;
    this.status = { ...this.status, sourceState };
    // Emitted without lastError: listeners must not take an old error for a new one.
    this.emit("state", { ...rest, sourceState });
  }

  /**
   * Waits until the source is there (see source-check.ts), reporting why not
   * while it is not. False when the recorder is stopped meanwhile.
   */
  private async waitForSource(): Promise<boolean> {
    const check = this.opts.checkSource ?? ((s) => checkSource(s));
    const backoff = new Backoff(
      this.opts.sourceWaitBackoff ?? SOURCE_WAIT_BACKOFF,
      this.opts.random ?? Math.random,
    );
    let waitingSince: number | undefined;
    let shown: string | undefined;
    while (!this.stopping) {
      let result: SourceCheck;
      try {
        result = await check(this.opts.channel.source);
      } catch (err) {
        result = { ok: false, state: "source unavailable", reason: String(err) };
      }
      if (this.stopping) return false;
      if (result.ok) {
        if (waitingSince !== undefined)
          this.log.info(
            { waitedMs: this.clock() - waitingSince },
            "source available again: starting ffmpeg",
          );
        return true;
      }
      waitingSince ??= this.clock();
      if (result.reason !== shown) {
        shown = result.reason;
        this.log.warn(
          { state: result.state, reason: result.reason },
          `${result.state}: not recording`,
        );
        this.setState("reconnecting", result.reason, undefined, result.state);
      }
      await (this.opts.sleep ?? abortableSleep)(backoff.next(), this.abort.signal);
    }
    return false;
  }

  /** Attempt folders left by a previous process (crash, power loss): complete what ffmpeg listed. */
  private async recoverIncoming(): Promise<void> {
    // SpoolState.load has just created incoming/ and read it.
    for (const name of (await listNames(this.spool.incoming)).sort()) {
      const dir = path.join(this.spool.incoming, name);
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
      const id = Number(/^a(\d+)$/.exec(name)?.[1] ?? -1);
      if ((await stopLeftoverFfmpeg(dir, this.log)) === "in-use") {
        this.log.error(
          { dir },
          "a running ffmpeg of another recorder writes into this spool: two recorders must not share a SPOOL_DIR; folder left alone",
        );
        continue;
      }
      const attempt = this.newAttempt(id, dir, { watch: false });
      const partial = await attempt.output.finish();
      if (attempt.run !== undefined) this.endRun(attempt, "unknown", "recovered after restart");
      this.log.info(
        { dir, recovered: attempt.segments, partial: partial.length },
        "recovered incoming folder",
      );
    }
  }
}

function describeExit(attempt: Attempt): string {
  const exit = attempt.exit;
  const how = exit?.error
    ? `could not start ffmpeg (${exit.error})`
    : exit?.signal
      ? `killed by ${exit.signal}`
      : `exit ${exit?.code ?? "?"}`;
  const last = attempt.stderrTail
    .filter((l) => !/^\s/.test(l) && l.trim() !== "")
    .slice(-1)[0]
    ?.trim();
  const hint = last ? `: ${last.slice(0, 200)}` : "";
  return `${attempt.segments > 0 ? "source ended" : "ffmpeg failed"} (${how})${hint}`;
}

/** Masks credentials and the RTMP stream key in an ffmpeg log line. */
export function redactLine(line: string, channel: ChannelConfig): string {
  const source = channel.source;
  let text = line;
  if (source.kind === "rtsp" || source.kind === "rtmp")
    text = text.split(source.url).join(channel.sourceLabel);
  if (source.kind === "rtmp") text = text.split(source.streamKey).join("***");
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]*@/gi, "$1***@");
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
