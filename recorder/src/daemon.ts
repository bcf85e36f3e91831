import { mkdir } from "node:fs/promises";
import os from "node:os";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ConfigError,
  createLogger,
  createS3Client,
  type Env,
  EnvReader,
  type Logger,
  segmentKey,
} from "@kiroku/shared";
import { ChannelRecorder } from "./capture/channel-recorder";
import { readThumbnailConfig, type ThumbnailConfig } from "./capture/thumbnail-config";
import type { Clock } from "./clock/clock";
import { ClockTrust } from "./clock/clock-trust";
import { type ClockSyncMode, SystemClock } from "./clock/system-clock";
import { type ChannelConfig, type RecorderConfig, readRecorderConfig } from "./recorder-config";
import { DiskGuard } from "./spool/disk-guard";
import { scanHeld } from "./spool/held-segments";
import { checkQueue } from "./spool/queue-check";
import type { QuarantinedSegment } from "./spool/segment-check";
import { spooledChannels } from "./spool/spool";
import { channelSpool } from "./spool/spool-layout";
import { RunHistory } from "./telemetry/history";
import { MetaWriter } from "./telemetry/meta-writer";
import { type MetricsServer, RecorderMetrics, startMetricsServer } from "./telemetry/metrics";
import { bucketSettingsReader, SettingsWatcher } from "./telemetry/settings-watcher";
import { StatusReporter } from "./telemetry/status-reporter";
import { startThumbnails } from "./upload/thumbnails";
import {
  healthStallMs,
  RECORDER_VERSION,
  readUploadConfig,
  type UploadConfig,
} from "./upload/upload-config";
import { defaultUploadRetryPolicy } from "./upload/upload-retry";
import { Uploader } from "./upload/uploader";

/**
 * `pnpm recorder run`: the daemon. Wiring only; each part is its own file:
 * one ChannelRecorder per channel (capture) hands complete segments to the
 * Uploader; the DiskGuard keeps the spool bounded; the StatusReporter and
 * RunHistory write status and run records beside the recordings; metrics.ts
 * serves /metrics and /healthz.
 *
 * Start: record first, talk to S3 later. Only local work comes before
 * ffmpeg (run journals a crash left open are closed, the channel status last
 * seen is read back from the spool, so a channel seen disabled stays off);
 * every S3 request runs beside recording: the channel settings get
 * SETTINGS_HEAD_START_MS to say "disabled" before the cameras start, and a
 * channel they disable later is stopped as soon as the answer arrives;
 * multipart uploads a crash left open are aborted once the store answers
 * (uploads wait for that, recording does not). ffmpeg starts within a
 * fraction of a second whatever S3 does, so a restart during an outage loses
 * no footage.
 *
 * Once the cameras run, every segment already in any channel's spool queue
 * (a crash, an outage, a channel since removed from the config) is verified
 * again (a power cut may have torn it: trimmed and re-keyed, or quarantined;
 * spool/queue-check.ts) and only then queued for upload: reading a long
 * backlog must not hold the cameras back.
 *
 * One channel's trouble is that channel's alone: an absent or failing source
 * (capture/source-check.ts) keeps its channel waiting and retrying, says why
 * in the heartbeat, metrics and /healthz, and never stops the daemon or the
 * other channels. Only configuration that can never work refuses to start.
 *
 * Time: segments are keyed only with a trusted clock (clock/clock-trust.ts).
 * Until the clock is trusted, recorders keep recording into each channel's
 * `held/` (monotonic times); heartbeats and run records wait too (the local
 * status.json, /healthz and /metrics say "clock not synchronised"). When it
 * is trusted, every recorder releases its held segments to the uploader.
 *
 * Stop (SIGINT/SIGTERM, via `signal`): recorders stop first, so ffmpeg
 * finalizes the segment in progress and it is handed over; then uploads get
 * UPLOAD_STOP_GRACE_SECONDS (default 5) to finish; the disk guard finishes
 * the checks already asked for (a drop they make is counted); only then does
 * the last heartbeat say `stopped`, with the same queue and drop counts as
 * the last log line; the promise resolves and the CLI exits 0. Whatever was
 * not uploaded stays in the spool for the next start.
 */
export interface DaemonOptions {
  env: Env;
  configFile?: string;
  log?: Logger;
  /** Stops the daemon (the CLI aborts it on SIGTERM/SIGINT). */
  signal: AbortSignal;
  /** Tests: an S3 client to use instead of one built from the environment. */
  s3?: S3Client;
  /**
   * Tests: the source of time instead of the machine's (a clock that starts
   * at 1970 and steps, without touching the machine's clock).
   */
  clock?: Clock;
  /** Tests: called once everything runs, with the metrics address when it serves one. */
  onReady?: (info: { metricsUrl?: string }) => void;
  /** Tests: free bytes of the spool's file system (default: statfs), e.g. a slow SD card. */
  diskFreeBytes?: (dir: string) => Promise<number>;
}

/**
 * How long the cameras wait at start for the first read of the channel
 * settings: long enough for a reachable bucket (tens of ms) to keep a
 * disabled channel from starting at all, short enough that ffmpeg starts
 * within 0.5 s of the daemon when S3 is slow or unreachable.
 */
export const SETTINGS_HEAD_START_MS = 250;

/** SETTINGS_INTERVAL's default in seconds: 10,800 GETs a camera-day, about $0.13 a month. */
export const SETTINGS_INTERVAL_DEFAULT_S = 8;

/** Both halves of the daemon's configuration, read from one environment. */
export interface DaemonConfig {
  recorder: RecorderConfig;
  upload: UploadConfig;
  /** UPLOAD_STOP_GRACE_SECONDS: how long uploads may finish at shutdown. */
  stopGraceMs: number;
  /** SETTINGS_INTERVAL: how often the channel settings (enabled/disabled) are read from the bucket. */
  settingsIntervalMs: number;
  /** CLOCK_SYNC: whether to ask the machine if its clock is synchronised (clock/system-clock.ts). */
  clockSync: ClockSyncMode;
  /** THUMBNAILS, THUMBNAIL_WIDTH. */
  thumbnails: ThumbnailConfig;
}

/** Reads capture and upload settings together and throws one ConfigError listing every problem. */
export function parseDaemonConfig(env: Env, configFile?: string): DaemonConfig {
  const reader = new EnvReader(env);
  // The shared settings include TARGET_DURATION: read once, there.
  const upload = readUploadConfig(reader);
  const recorder = readRecorderConfig(reader, {
    ...(configFile ? { configFile } : {}),
    targetDuration: upload.shared.targetDuration,
  });
  const stopGraceMs = reader.int("UPLOAD_STOP_GRACE_SECONDS", 5, 0, 600) * 1000;
  // A disable or enable from the API must reach the camera within 10 s; a GET
  // costs a twelfth of a PUT, so this is the cheapest poll that keeps that
  // promise with room for a slow read (README, "What a camera costs").
  const settingsIntervalMs =
    reader.int("SETTINGS_INTERVAL", SETTINGS_INTERVAL_DEFAULT_S, 1, 300) * 1000;
  // auto: ask timesyncd/timedatectl/chronyc; off: the floor alone (an RTC and no NTP daemon).
  const clockSync = reader.string("CLOCK_SYNC", "auto", {
    pattern: /^(auto|off)$/,
    describe:
      "auto (wait for the machine to say its clock is synchronised) or off (trust a clock past the release date)",
  }) as ClockSyncMode;
  const thumbnails = readThumbnailConfig(reader);
  if (reader.problems.length > 0) {
    throw new ConfigError(
      reader.problems,
      configFile ? `recorder configuration (${configFile})` : "recorder configuration",
    );
  }
  return { recorder, upload, stopGraceMs, settingsIntervalMs, clockSync, thumbnails };
}

/** Runs every configured channel until `signal` aborts, then stops in order (see above). */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const log = opts.log ?? createLogger("recorder", opts.env);
  const {
    recorder: rc,
    upload: uc,
    stopGraceMs,
    settingsIntervalMs,
    clockSync,
    thumbnails: thumbnailConfig,
  } = parseDaemonConfig(opts.env, opts.configFile);
  // Asked first and never awaited: recording does not wait for the clock (footage first).
  const trust = new ClockTrust({
    clock: opts.clock ?? new SystemClock({ mode: clockSync, log }),
    log,
  });
  trust.start();
  const { s3: settings, movieKey } = uc.shared;
  const targetMs = rc.targetDuration * 1000;
  const hostname = os.hostname();
  log.info(
    {
      version: RECORDER_VERSION,
      bucket: settings.bucket,
      endpoint: settings.endpoint ?? "AWS",
      movieKey,
      spoolDir: rc.spoolDir,
      channels: rc.channels.map((c) => ({ name: c.name, source: c.sourceLabel })),
      targetDuration: rc.targetDuration,
      concurrency: uc.concurrency,
      spoolMaxBytes: uc.spoolMaxBytes,
      spoolMinFreeBytes: uc.spoolMinFreeBytes,
    },
    "recorder starting",
  );
  await mkdir(rc.spoolDir, { recursive: true });
  // One attempt per SDK call: the uploader has its own retry loop (upload-retry.ts).
  const s3 =
    opts.s3 ??
    createS3Client(settings, {
      maxAttempts: 1,
      connectionTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
    });

  const uploader = new Uploader({
    s3,
    bucket: settings.bucket,
    movieKey,
    spoolDir: rc.spoolDir,
    concurrency: uc.concurrency,
    partSize: uc.partSize,
    keepUploadedMs: uc.keepUploadedSeconds * 1000,
    retry: defaultUploadRetryPolicy(targetMs, uc.errorRetrySeconds * 1000),
    recorderVersion: RECORDER_VERSION,
    minStartMs: trust.floorMs,
    log,
  });
  const thumbnails = startThumbnails({
    config: thumbnailConfig,
    s3,
    bucket: settings.bucket,
    movieKey,
    spoolDir: rc.spoolDir,
    log,
  });
  // Segments waiting in held/ per channel: +1 at each, recounted from the folders every second.
  const held = new Map<string, number>();
  const metrics = new RecorderMetrics({
    stallMs: healthStallMs(uc, rc.targetDuration),
    queue: (channel) => uploader.queueStats(channel),
    // Ages only: monotonic, so a clock step is not a stall.
    clock: () => trust.clock.monoNow(),
    timeTrust: () => ({
      trusted: trust.trusted,
      untrustedForMs: trust.untrustedForMs(),
      held: [...held.values()].reduce((a, b) => a + b, 0),
    }),
  });
  const writer = new MetaWriter({ s3, bucket: settings.bucket, log });
  const guard = new DiskGuard({
    spoolDir: rc.spoolDir,
    maxBytes: uc.spoolMaxBytes,
    minFreeBytes: uc.spoolMinFreeBytes,
    keepUploadedMs: uc.keepUploadedSeconds * 1000,
    queue: uploader,
    log,
    ...(opts.diskFreeBytes ? { freeBytes: opts.diskFreeBytes } : {}),
    onDelete: (e) => {
      if (e.kind === "queued" || e.kind === "held") status.segmentDropped(e.channel);
      metrics.segmentsDropped.inc({ channel: e.channel, reason: e.kind });
    },
  });
  const status = new StatusReporter({
    writer,
    movieKey,
    intervalMs: uc.statusIntervalSeconds * 1000,
    hostname,
    recorderVersion: RECORDER_VERSION,
    queue: (channel) => uploader.queueStats(channel),
    diskFreeBytes: () => guard.usage.freeBytes,
    uploadHealth: () => uploader.health,
    spoolDir: rc.spoolDir,
    clock: () => trust.clock.wallNow(),
    timeTrust: () => ({
      trusted: trust.trusted,
      sinceMs: trust.trustedSince?.wallMs,
      held: (channel) => held.get(channel) ?? 0,
    }),
  });
  // Times the heartbeat noted before the step move with the clock.
  trust.on("trusted", (e) => status.clockStepped(e.stepMs));
  const history = new RunHistory({
    writer,
    movieKey,
    hostname,
    recorderVersion: RECORDER_VERSION,
    spoolDir: rc.spoolDir,
    clock: () => trust.clock.wallNow(),
    log,
  });

  uploader.on("uploaded", (e) => {
    metrics.segmentUploaded(e.segment.channel, e.latencyMs, e.segment.bytes);
    status.segmentUploaded(e.segment.channel, e.key);
  });
  uploader.on("failed", (e) =>
    metrics.uploadFailures.inc({ channel: e.segment.channel, kind: e.failure.kind }),
  );
  uploader.on("health", (h) => {
    metrics.uploadState.set(h.health === "ok" ? 0 : h.health === "retrying" ? 1 : 2);
    if (h.health !== "ok") status.report(); // say it now, not at the next tick
  });
  const countHeld = async () => {
    for (const channel of rc.channels.map((c) => c.name)) {
      const n = (await scanHeld(channelSpool(rc.spoolDir, channel), channel)).length;
      if (n > 0 || held.has(channel)) held.set(channel, n);
    }
  };
  const sampleDisk = () => {
    void countHeld().catch(() => {});
    const u = guard.usage;
    metrics.spoolBytes.set(u.spoolBytes);
    if (u.freeBytes !== null) metrics.diskFreeBytes.set(u.freeBytes);
  };

  let server: MetricsServer | undefined;
  if (rc.metricsPort > 0) {
    server = await startMetricsServer(metrics, { port: rc.metricsPort, host: uc.metricsHost, log });
    log.info({ url: server.url }, "metrics at /metrics, health at /healthz");
  }

  // Channel settings are read from the bucket beside everything else; their
  // first answer gets a short head start before the cameras (see above).
  const channelSettings = new SettingsWatcher({
    channels: rc.channels.map((c) => c.name),
    read: bucketSettingsReader(s3, settings.bucket, movieKey),
    intervalMs: settingsIntervalMs,
    log,
    cacheDir: rc.spoolDir,
  });
  channelSettings.on("problem", (e) => status.setSettingsProblem(e.channel, e.message));
  await channelSettings.loadCached(); // local: a channel last seen disabled stays off
  const settingsRead = channelSettings.start();
  const headStart = new Promise((r) => setTimeout(r, SETTINGS_HEAD_START_MS).unref());

  const quarantined = (q: QuarantinedSegment) => {
    metrics.segmentsQuarantined.inc({ channel: q.channel, reason: q.code });
    status.segmentQuarantined(q.channel, q.reason, q.from);
  };
  // Local work only (no S3 request, no reading of segments) before the cameras start.
  await history.recoverOpenRuns(); // runs a crash left open: end reason "unknown"
  // Started once the cameras run: verify what the queue holds, then upload it.
  const resumeQueue = async (): Promise<void> => {
    for (const channel of await spooledChannels(rc.spoolDir)) {
      const checked = await checkQueue(rc.spoolDir, channel, log);
      for (const q of checked.quarantined) quarantined(q);
      if (checked.rekeyed.length > 0)
        metrics.segmentsTrimmed.inc({ channel }, checked.rekeyed.length);
    }
    const resumed = await uploader.resumeQueue();
    for (const channel of uploader.channels()) metrics.addChannel(channel);
    // The guard's headroom from the segments already spooled.
    for (const seg of uploader.waiting()) guard.noteSegment(seg.bytes);
    if (resumed > 0) log.info({ segments: resumed }, "uploading segments left in the spool");
    await thumbnails?.resume(await spooledChannels(rc.spoolDir));
  };
  void guard.check().then(sampleDisk);
  guard.start(1_000);
  const diskSampler = setInterval(sampleDisk, 1_000);

  // One slot per channel: a ChannelRecorder while the channel is enabled, none
  // while its settings say disabled. A ChannelRecorder lives for one
  // enabled period; re-enabling starts a fresh one.
  const slots = new Map<string, { recorder?: ChannelRecorder; change: Promise<void> }>();
  const startRecorder = (channel: ChannelConfig): ChannelRecorder => {
    const name = channel.name;
    const r = new ChannelRecorder({
      channel,
      spoolDir: rc.spoolDir,
      targetDuration: rc.targetDuration,
      log,
      trust,
      clock: () => trust.clock.wallNow(),
      onSegment: (seg) => {
        metrics.segmentCompleted(name);
        status.segmentCompleted(name, { key: segmentKey(movieKey, seg), ...seg });
        if (seg.media) status.setMedia(name, seg.media);
        guard.noteSegment(seg.bytes);
        thumbnails?.take(seg); // first: the uploader may delete the queue file
        uploader.enqueue(seg);
        void guard.check();
        history.segment(seg);
      },
    });
    r.on("state", (s) => {
      // A recorder stopped because its channel was disabled reports "disabled", not "stopped".
      if (s.state === "stopped" && channelSettings.status(name) === "disabled") return;
      status.setCaptureState(name, s.state, s.sinceMs, s.lastError, s.sourceState);
      metrics.setSourceState(name, s.sourceState, s.lastError);
      // Say "not recording, and why" now, not at the next tick.
      if (s.sourceState === "waiting for device" || s.sourceState === "source unavailable")
        status.report();
    });
    r.on("runStarted", (e) => {
      history.runStarted(e);
      if (e.media) status.setMedia(name, e.media);
    });
    r.on("runEnded", (e) => history.runEnded(e));
    r.on("restart", () => metrics.ffmpegRestarts.inc({ channel: name }));
    r.on("held", (e) => {
      // Complete, but not keyed until the clock is trusted: counted, bounded, not uploaded.
      held.set(name, (held.get(name) ?? 0) + 1);
      metrics.segmentCompleted(name);
      guard.noteSegment(e.bytes);
      void guard.check();
    });
    r.on("quarantined", quarantined);
    r.on("trimmed", () => metrics.segmentsTrimmed.inc({ channel: name }));
    r.start();
    return r;
  };
  for (const channel of rc.channels) {
    metrics.addChannel(channel.name);
    status.addChannel(channel.name, channel.sourceLabel);
    slots.set(channel.name, { change: Promise.resolve() });
  }
  // A disabled channel does not start when the store answers in time; an
  // unreachable store must not hold the cameras back (fail open): a channel
  // disabled in an answer that comes later is stopped then ("change" below).
  await Promise.race([settingsRead, headStart]);
  const apply = (channel: ChannelConfig) => {
    const slot = slots.get(channel.name)!;
    // Changes of one channel apply in order; a stop finishes before a start.
    slot.change = slot.change.then(async () => {
      if (opts.signal.aborted) return;
      const wanted = channelSettings.status(channel.name);
      // /healthz does not judge a disabled channel; enabling it again starts its grace period.
      if (wanted === "disabled" && slot.recorder) {
        const r = slot.recorder;
        slot.recorder = undefined;
        metrics.setActive(channel.name, false);
        await r.stop("disabled").catch(() => {});
        status.setCaptureState(channel.name, "disabled");
        status.report();
      } else if (wanted === "disabled" && !slot.recorder) {
        metrics.setActive(channel.name, false);
        status.setCaptureState(channel.name, "disabled");
      } else if (wanted === "enabled" && !slot.recorder) {
        metrics.setActive(channel.name, true);
        slot.recorder = startRecorder(channel);
        // Readers hear at once that the channel is coming back (not "disabled"
        // until its first segment, a whole TARGET_DURATION later).
        status.setCaptureState(channel.name, "reconnecting", undefined, undefined, "connecting");
        status.report();
      }
    });
  };
  channelSettings.on("change", (e) => {
    const channel = rc.channels.find((c) => c.name === e.channel);
    if (channel) apply(channel);
  });
  for (const channel of rc.channels) apply(channel);
  const queueResumed = resumeQueue();
  trust.on("trusted", () => {
    // The first heartbeat in the bucket follows the release, with the held count it left.
    void Promise.all(
      [...slots.values()].map((slot) => slot.change.then(() => slot.recorder?.releaseHeld())),
    )
      .then(countHeld)
      .catch((err) => log.error({ err: String(err) }, "releasing held segments failed"))
      .finally(() => status.report());
  });
  // The first heartbeat waits for every recorder to recover and queue what a
  // previous process left in incoming/: one written earlier would report a
  // short queue, and the API would take ranges still to come as final.
  await Promise.all([
    queueResumed,
    ...[...slots.values()].map(async (slot) => {
      await slot.change;
      await slot.recorder?.recovered;
    }),
  ]);
  status.start();
  opts.onReady?.(server ? { metricsUrl: server.url } : {});

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });

  log.info("recorder stopping: finishing the segments in progress");
  trust.stop();
  await channelSettings.stop();
  await channelSettings.flushCache();
  await Promise.all(
    [...slots.values()].map(async (slot) => {
      await slot.change;
      await slot.recorder?.stop().catch(() => {});
    }),
  );
  const now = trust.clock.wallNow();
  for (const run of history.open())
    history.runEnded({ channel: run.channel, run: run.run, endMs: now, reason: "shutdown" });
  const left = uploader.totalStats();
  if (left.segments > 0)
    log.info({ segments: left.segments, graceMs: stopGraceMs }, "giving uploads time to finish");
  await Promise.all([uploader.stop(stopGraceMs), thumbnails?.stop(stopGraceMs)]);
  // The last heartbeat must say what the log says: first let every disk
  // check already asked for (the last segments' among them) finish its drops,
  // then write it from the settled queue and counts.
  await guard.stop();
  clearInterval(diskSampler);
  sampleDisk();
  status.stop();
  await Promise.all([writer.close(2_000), status.flushLocal(), history.flush()]);
  await server?.close();
  const remaining = uploader.totalStats();
  const channels = Object.fromEntries(
    [...slots.keys()].map((name) => {
      const last = status.snapshot(name);
      return [name, { queued: last.queue.segments, dropped: last.dropped }];
    }),
  );
  log.info(
    { notUploaded: remaining.segments, channels },
    remaining.segments > 0
      ? "recorder stopped; segments not yet uploaded stay in the spool for the next start"
      : "recorder stopped; everything uploaded",
  );
  if (!opts.s3) s3.destroy();
}
