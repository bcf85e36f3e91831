import { DEFAULTS, type EnvReader, readSharedConfig, type SharedConfig } from "@kiroku/shared";
import pkg from "../../package.json" with { type: "json" };

/** The recorder's version, written into segment metadata, status and run records. */
export const RECORDER_VERSION: string = pkg.version;

/**
 * Upload, spool and reporting settings of the recorder daemon (the capture
 * side's are in recorder-config.ts; both are read from one environment):
 *
 *   S3_BUCKETNAME, S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE, S3_MOVIE_KEY,
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY   where segments go (shared)
 *   UPLOAD_CONCURRENCY      uploads in flight at once, 1-16 (default 2: one for the newest segment, one draining the backlog)
 *   UPLOAD_PART_SIZE        segments above this go multipart, 5M-512M (default 16M)
 *   UPLOAD_ERROR_RETRY_SECONDS  probe interval while credentials or bucket are wrong, 1-3600 (default 30)
 *   SPOOL_MAX_BYTES         spool size bound, e.g. 2G (default 2 GiB, at least 1M)
 *   SPOOL_MIN_FREE_BYTES    free space to leave on the spool's disk, e.g. 256M (default 256 MiB; 0 disables)
 *   KEEP_UPLOADED_SECONDS   keep confirmed segments in uploaded/ this long (default 0: delete at once)
 *   STATUS_INTERVAL         heartbeat keep-alive in seconds while a channel does not record, 1-3600
 *                           (default 60; ten times that while it records; a change is written at once)
 *   METRICS_HOST            address of /metrics and /healthz (default 127.0.0.1; METRICS_PORT is in recorder-config)
 *   HEALTH_STALL_SECONDS    /healthz fails when no segment completed or uploaded for this long
 *                           (default 3 × TARGET_DURATION + 30)
 */
export interface UploadConfig {
  shared: SharedConfig;
  concurrency: number;
  partSize: number;
  errorRetrySeconds: number;
  spoolMaxBytes: number;
  spoolMinFreeBytes: number;
  keepUploadedSeconds: number;
  statusIntervalSeconds: number;
  metricsHost: string;
  /** Undefined: 3 × target duration + 30 s. */
  healthStallSeconds?: number;
}

/** Defaults of the variables above (SPOOL_MAX_BYTES is shared: DEFAULTS.SPOOL_MAX_BYTES). */
export const UPLOAD_DEFAULTS = {
  UPLOAD_CONCURRENCY: 2,
  UPLOAD_PART_SIZE: 16 * 1024 ** 2,
  UPLOAD_ERROR_RETRY_SECONDS: 30,
  SPOOL_MIN_FREE_BYTES: 256 * 1024 ** 2,
  KEEP_UPLOADED_SECONDS: 0,
  STATUS_INTERVAL: 60,
  METRICS_HOST: "127.0.0.1",
} as const;

/** Reads the upload settings into `reader` (problems collected there, not thrown). */
export function readUploadConfig(reader: EnvReader): UploadConfig {
  const shared = readSharedConfig(reader);
  const concurrency = reader.int("UPLOAD_CONCURRENCY", UPLOAD_DEFAULTS.UPLOAD_CONCURRENCY, 1, 16);
  const partSize = reader.bytes("UPLOAD_PART_SIZE", UPLOAD_DEFAULTS.UPLOAD_PART_SIZE);
  if (partSize < 5 * 1024 ** 2 || partSize > 512 * 1024 ** 2) {
    reader.problem(
      `UPLOAD_PART_SIZE must be from 5M (S3's smallest part) to 512M, got ${reader.raw("UPLOAD_PART_SIZE")}`,
    );
  }
  const errorRetrySeconds = reader.int(
    "UPLOAD_ERROR_RETRY_SECONDS",
    UPLOAD_DEFAULTS.UPLOAD_ERROR_RETRY_SECONDS,
    1,
    3600,
  );
  const spoolMaxBytes = reader.bytes("SPOOL_MAX_BYTES", DEFAULTS.SPOOL_MAX_BYTES);
  if (spoolMaxBytes < 1024 ** 2) {
    reader.problem(
      `SPOOL_MAX_BYTES must be at least 1M (a few segments), got ${reader.raw("SPOOL_MAX_BYTES")}`,
    );
  }
  const spoolMinFreeBytes = reader.bytes(
    "SPOOL_MIN_FREE_BYTES",
    UPLOAD_DEFAULTS.SPOOL_MIN_FREE_BYTES,
  );
  const keepUploadedSeconds = reader.int(
    "KEEP_UPLOADED_SECONDS",
    UPLOAD_DEFAULTS.KEEP_UPLOADED_SECONDS,
    0,
    365 * 86_400,
  );
  const statusIntervalSeconds = reader.int(
    "STATUS_INTERVAL",
    UPLOAD_DEFAULTS.STATUS_INTERVAL,
    1,
    3600,
  );
  const metricsHost = reader.string("METRICS_HOST", UPLOAD_DEFAULTS.METRICS_HOST, {
    pattern: /^[A-Za-z0-9.:-]+$/,
    describe: "an address to listen on, such as 127.0.0.1 or 0.0.0.0",
  });
  const stall = reader.raw("HEALTH_STALL_SECONDS");
  const healthStallSeconds =
    stall === undefined ? undefined : reader.int("HEALTH_STALL_SECONDS", 0, 1, 86_400);
  return {
    shared,
    concurrency,
    partSize,
    errorRetrySeconds,
    spoolMaxBytes,
    spoolMinFreeBytes,
    keepUploadedSeconds,
    statusIntervalSeconds,
    metricsHost,
    ...(healthStallSeconds ? { healthStallSeconds } : {}),
  };
}

/** /healthz's stall limit: 3 segment durations plus 30 s of slack, unless configured. */
export function healthStallMs(config: UploadConfig, targetDurationS: number): number {
  return (config.healthStallSeconds ?? 3 * targetDurationS + 30) * 1000;
}
