import { z } from "zod";

/**
 * JSON the recorder writes into the bucket about each channel, read by the
 * API's stat and history endpoints (README, "Storage layout"; keys in
 * meta-keys.ts). Both documents carry `schema: 1`; a reader ignores fields it
 * does not know, so later versions may add fields without breaking it.
 *
 *   movie/_meta/{channel}/status.json              ChannelStatus, rewritten on change plus a keep-alive
 *   movie/_meta/{channel}/runs/{inv}_r{run}.json   RunRecord, written at run start, rewritten at run end
 *
 * Times are ISO 8601 UTC strings (`2026-11-22T10:30:00.000Z`), except
 * `lastSegment.startMs`, which mirrors the segment key (epoch milliseconds).
 * Sources are always redacted (no credentials, no RTMP stream key).
 */
export const CHANNEL_STATUS_SCHEMA = 1;

/**
 * What the recorder is doing for a channel:
 * - `recording`: ffmpeg is cutting segments and uploads go through.
 * - `reconnecting`: the source is lost; ffmpeg is being restarted with backoff.
 * - `disabled`: the channel is switched off in its settings; nothing is recorded.
 * - `error`: recording may go on, but segments cannot reach the bucket for a
 *   reason that needs an operator (access denied, no such bucket, bad
 *   credentials); `lastError` says which. Segments stay spooled until fixed.
 * - `stopped`: the recorder shut down cleanly (written once on exit).
 */
export const CHANNEL_STATES = [
  "recording",
  "reconnecting",
  "disabled",
  "error",
  "stopped",
] as const;
export type ChannelState = (typeof CHANNEL_STATES)[number];

/**
 * What the capture side of a channel is doing, finer than `state` (which
 * stays one of CHANNEL_STATES for readers that predate this field):
 * - `connecting`: ffmpeg runs and no segment has completed yet.
 * - `waiting for publisher`: an RTMP listener waits for its encoder.
 * - `recording`: segments are being completed.
 * - `restarting`: ffmpeg ended or stalled after recording; it starts again.
 * - `waiting for device`: the V4L2 device node does not exist (unplugged,
 *   not enumerated yet); recording starts when it appears.
 * - `source unavailable`: the camera refuses or does not answer, or ffmpeg
 *   fails on it before recording anything; retried with a capped backoff.
 * - `stopped`: the recorder let go of the source (shutdown).
 * Later versions may add values: a reader shows unknown ones as they are.
 */
export const SOURCE_STATES = [
  "connecting",
  "waiting for publisher",
  "recording",
  "restarting",
  "waiting for device",
  "source unavailable",
  "stopped",
] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

/** Source states in which the channel cannot record until something outside the recorder changes. */
export const SOURCE_DOWN_STATES: readonly SourceState[] = [
  "waiting for device",
  "source unavailable",
];

/** What ffmpeg reported about the stream (same fields as the recorder's MediaInfo). */
export const channelMediaSchema = z.object({
  videoCodec: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  fps: z.number().optional(),
  bitrate: z.number().optional(),
  audioCodec: z.string().optional(),
  audioSampleRate: z.number().optional(),
});
export type ChannelMedia = z.infer<typeof channelMediaSchema>;

/** The last problem seen, kept until something better replaces it. */
export const channelErrorSchema = z.object({
  /** When it happened (ISO 8601 UTC). */
  at: z.string(),
  /** Stable code where there is one (`AccessDenied`, `ECONNREFUSED`, `FFMPEG_EXIT`…). */
  code: z.string().optional(),
  /** What went wrong and, where known, what to do about it. Never holds secrets. */
  message: z.string(),
  /** Where it came from: the uploader or the capture side. */
  source: z.enum(["upload", "capture", "disk"]).optional(),
});
export type ChannelError = z.infer<typeof channelErrorSchema>;

/** The heartbeat object: the latest known state of one channel's recorder. */
export const channelStatusSchema = z.looseObject({
  schema: z.literal(CHANNEL_STATUS_SCHEMA),
  channel: z.string(),
  state: z.enum(CHANNEL_STATES),
  /** When `state` last changed (ISO 8601 UTC). */
  since: z.string(),
  /** The source, redacted. */
  source: z.string(),
  media: channelMediaSchema.optional(),
  /** The newest segment that completed (whether or not it is uploaded yet). */
  lastSegment: z
    .object({ key: z.string(), startMs: z.number(), durationMs: z.number() })
    .optional(),
  /** The newest segment confirmed in the bucket, and when. */
  lastUploaded: z.object({ key: z.string(), at: z.string() }).optional(),
  /**
   * Segments waiting in the spool for upload (including those being
   * uploaded), and the start of the oldest of them (epoch ms) when any.
   */
  queue: z.object({
    segments: z.number(),
    bytes: z.number(),
    oldestStartMs: z.number().optional(),
  }),
  /** Free bytes on the spool's file system, or null when unknown. */
  diskFreeBytes: z.number().nullable(),
  /** Segments dropped unuploaded to keep the disk from filling, since the recorder started. */
  dropped: z.number(),
  /**
   * Segment files found not to be decodable video (torn beyond repair, not
   * MPEG-TS, no video, no keyframe first) since the recorder started: kept in
   * the spool's `quarantine/`, never uploaded. Absent from older recorders.
   */
  quarantined: z.number().optional(),
  lastError: channelErrorSchema.nullable(),
  /**
   * The capture side in more detail (SOURCE_STATES), absent from recorders
   * that predate it and while the channel is disabled. A plain string, so a
   * reader never rejects a heartbeat for a value added later.
   */
  sourceState: z.string().optional(),
  /** Set while the recorder cannot read the channel settings (it keeps recording: fail open). */
  settingsProblem: z.string().optional(),
  /**
   * The recorder's wall clock: `synchronised` false while it is not trusted
   * (segments are then held in the spool, keyed and uploaded once it is;
   * such a heartbeat is only written locally, never with a false time into
   * the bucket), `since` when it became trusted, `held` the segments waiting
   * for it.
   */
  clock: z
    .object({ synchronised: z.boolean(), since: z.string().optional(), held: z.number() })
    .optional(),
  recorderVersion: z.string(),
  /** When this object was written (ISO 8601 UTC): older than a few intervals means the recorder is gone. */
  updatedAt: z.string(),
  /**
   * The keep-alive this heartbeat promises: the next one comes within this
   * many seconds even when nothing changes, so readers can tell "stale"
   * without guessing. While `recording` it is long (the segments arriving
   * every TARGET_DURATION prove life in between), otherwise STATUS_INTERVAL.
   */
  intervalSeconds: z.number(),
  hostname: z.string(),
});
export type ChannelStatus = z.infer<typeof channelStatusSchema>;

/** Why a recording run ended. */
export const RUN_END_REASONS = [
  /** The source went away (camera off, network down, publisher disconnected). */
  "source-lost",
  /** ffmpeg failed or stalled and was restarted. */
  "ffmpeg-error",
  /** The recorder was stopped (SIGTERM, SIGINT, service stop). */
  "shutdown",
  /** The channel was disabled. */
  "disabled",
  /** The system clock became trusted (or stopped being): times of two scales never share a run. */
  "clock-change",
  /** Segment times drifted from the wall clock: a new run re-anchors them. */
  "re-anchored",
  /** The recorder did not see the end (it crashed or lost power); set by the next start. */
  "unknown",
] as const;
export type RunEndReason = (typeof RUN_END_REASONS)[number];

/** One recording run (one ffmpeg process lifetime): GetLiveChannelHistory's records. */
export const runRecordSchema = z.looseObject({
  schema: z.literal(CHANNEL_STATUS_SCHEMA),
  channel: z.string(),
  run: z.number(),
  /** ISO 8601 UTC. */
  startedAt: z.string(),
  /** ISO 8601 UTC; null while the run is going on. */
  endedAt: z.string().nullable(),
  /** One of RUN_END_REASONS (older records may hold free text); null while running. */
  endReason: z.string().nullable(),
  /** The particulars of the end (ffmpeg's exit and last line, a drift), when there are any. */
  endDetail: z.string().optional(),
  /** The source, redacted. */
  source: z.string(),
  /** The peer address (an RTMP publisher, an RTSP camera), when known. */
  remoteAddress: z.string().optional(),
  media: channelMediaSchema.optional(),
  recorderVersion: z.string(),
  hostname: z.string(),
  /** When this record was last written (ISO 8601 UTC). */
  updatedAt: z.string(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** A status object read from the bucket, or undefined when it is not one (so a reader never throws on junk). */
export function parseChannelStatus(json: unknown): ChannelStatus | undefined {
  const result = channelStatusSchema.safeParse(json);
  return result.success ? result.data : undefined;
}

/** A run record read from the bucket, or undefined when it is not one. */
export function parseRunRecord(json: unknown): RunRecord | undefined {
  const result = runRecordSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
