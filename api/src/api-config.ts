import { createHmac } from "node:crypto";
import {
  DEFAULTS,
  type Env,
  type EnvReader,
  parseEnvConfig,
  readSharedConfig,
  type SharedConfig,
} from "@kiroku/shared";
import { API_DEFAULTS } from "./api-defaults";

/** How segment URIs in playlists are made. */
export type SegmentUrlMode = "presigned" | "public" | "proxy";
export const SEGMENT_URL_MODES: readonly SegmentUrlMode[] = ["presigned", "public", "proxy"];

/** Everything the API needs, parsed and checked once at start. */
export interface ApiConfig extends SharedConfig {
  port: number;
  host: string;
  /** API_TOKEN: the bearer token clients send (`Authorization: Bearer …`). */
  apiToken?: string;
  /**
   * Key of signed playback URLs (`?exp=…&sig=…`): SIGNING_SECRET, or when unset
   * a key derived one-way from API_TOKEN. Undefined only with PUBLIC_PLAYBACK and no token.
   */
  signingKey?: Buffer;
  segmentUrls: SegmentUrlMode;
  /** PUBLIC_PLAYBACK: reads need no credentials (the seed's open function URL). */
  publicPlayback: boolean;
  liveWindow: number;
  /** LIVE_IDLE_LIMIT: seconds live.m3u8 holds its last window without new segments before it ends. */
  liveIdleLimitSeconds: number;
  maxRangeHours: number;
  clipMaxBytes: number;
  /** SEGMENT_URL_TTL: seconds a segment URL stays valid after its playlist is served. */
  segmentUrlTtlSeconds: number;
  /** CORS_ORIGINS: `*` or a list of origins. */
  corsOrigins: "*" | string[];
  /**
   * LIVE_CDN_MAX_AGE (CDN mode): seconds a shared cache may keep a live
   * playlist opened by a signed session URL (or with PUBLIC_PLAYBACK); 0 (the
   * default) keeps such answers `private`. See README, "Many viewers".
   */
  liveCdnMaxAge: number;
  /** The S3 work budget (S3_CONCURRENCY, S3_QUEUE_LIMIT, S3_QUEUE_TIMEOUT in seconds). */
  s3Budget: {
    concurrency: number;
    queueLimit: number;
    queueTimeoutMs: number;
    /** S3_WORK_TIMEOUT in ms: how long a read request's S3 work may run. */
    workTimeoutMs: number;
  };
  /** PUBLIC_URL: the origin links the API mints start with (sessions); else the request's own. */
  publicUrl?: string;
}

const MIN_TOKEN = 16;
const MIN_SECRET = 32;

/**
 * Reads the API's settings from the environment, reporting every problem at
 * once (ConfigError). Refuses to start private playback without a token
 * rather than inventing one: a generated token would differ on every Lambda
 * instance and nobody could use it.
 */
export function parseApiConfig(env: Env, runtime: ApiRuntime = {}): ApiConfig {
  return parseEnvConfig(env, (reader) => readApiConfig(reader, env, runtime), "API configuration");
}

/** What the entry point knows of how responses leave the process (not configuration). */
export interface ApiRuntime {
  /** Lambda response streaming (function URL InvokeMode RESPONSE_STREAM): clips may be larger. */
  lambdaStreaming?: boolean;
}

function readApiConfig(reader: EnvReader, env: Env, runtime: ApiRuntime): ApiConfig {
  const shared = readSharedConfig(reader);
  const port = reader.int("PORT", DEFAULTS.PORT, 0, 65535);
  const host = reader.string("HOST", DEFAULTS.HOST);
  const apiToken = reader.raw("API_TOKEN");
  if (apiToken !== undefined && apiToken.length < MIN_TOKEN) {
    reader.problem(
      `API_TOKEN must be at least ${MIN_TOKEN} characters (got ${apiToken.length}): generate one with \`openssl rand -hex 32\``,
    );
  }
  const secret = reader.raw("SIGNING_SECRET");
  if (secret !== undefined && secret.length < MIN_SECRET) {
    reader.problem(
      `SIGNING_SECRET must be at least ${MIN_SECRET} characters (got ${secret.length}): generate one with \`openssl rand -hex 32\``,
    );
  }
  const publicPlayback = reader.bool("PUBLIC_PLAYBACK", false);
  if (!apiToken && !publicPlayback) {
    reader.problem(
      "API_TOKEN is required for private playback (the default): set API_TOKEN to a secret of at least 16 characters (`openssl rand -hex 32`), or set PUBLIC_PLAYBACK=true to let anyone with the URL watch",
    );
  }
  const segmentUrls = reader.oneOf("SEGMENT_URLS", SEGMENT_URL_MODES, DEFAULTS.SEGMENT_URLS);
  if (segmentUrls === "public" && !shared.hostingUrl) {
    reader.problem(
      "SEGMENT_URLS=public needs S3_HOSTING_URL, the public base URL of the bucket or its CDN (e.g. https://my-bucket.s3.amazonaws.com)",
    );
  }
  const liveWindow = reader.int("LIVE_WINDOW", DEFAULTS.LIVE_WINDOW, 1, 100);
  const liveIdleLimitSeconds = reader.int(
    "LIVE_IDLE_LIMIT",
    API_DEFAULTS.LIVE_IDLE_LIMIT_SECONDS,
    60,
    86_400,
  );
  const maxRangeHours = reader.int("MAX_RANGE_HOURS", DEFAULTS.MAX_RANGE_HOURS, 1, 366 * 24);
  const onLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  const clipMaxBytes = reader.bytes(
    "CLIP_MAX_BYTES",
    runtime.lambdaStreaming
      ? API_DEFAULTS.CLIP_MAX_BYTES_LAMBDA_STREAMING
      : onLambda
        ? API_DEFAULTS.CLIP_MAX_BYTES_LAMBDA
        : API_DEFAULTS.CLIP_MAX_BYTES,
  );
  if (clipMaxBytes < 1) reader.problem("CLIP_MAX_BYTES must be at least 1 byte, e.g. 500M");
  const segmentUrlTtlSeconds = reader.int(
    "SEGMENT_URL_TTL",
    API_DEFAULTS.SEGMENT_URL_TTL_SECONDS,
    60,
    7 * 86_400 - API_DEFAULTS.URL_BUCKET_SECONDS,
  );
  const liveCdnMaxAge = reader.int("LIVE_CDN_MAX_AGE", 0, 0, 10);
  const origins = reader.string("CORS_ORIGINS", API_DEFAULTS.CORS_ORIGINS);
  const corsOrigins =
    origins === "*"
      ? "*"
      : origins
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean);
  if (corsOrigins !== "*") {
    for (const o of corsOrigins) {
      if (!/^https?:\/\/[^/]+$/.test(o)) {
        reader.problem(
          `CORS_ORIGINS must be * or a comma-separated list of origins such as https://app.example.com (no path), got "${o}"`,
        );
      }
    }
  }
  const s3Budget = {
    concurrency: reader.int(
      "S3_CONCURRENCY",
      onLambda ? API_DEFAULTS.S3_CONCURRENCY_LAMBDA : API_DEFAULTS.S3_CONCURRENCY,
      1,
      1024,
    ),
    queueLimit: reader.int("S3_QUEUE_LIMIT", API_DEFAULTS.S3_QUEUE_LIMIT, 0, 100_000),
    queueTimeoutMs:
      reader.int("S3_QUEUE_TIMEOUT", API_DEFAULTS.S3_QUEUE_TIMEOUT_SECONDS, 1, 900) * 1000,
    workTimeoutMs:
      reader.int("S3_WORK_TIMEOUT", API_DEFAULTS.S3_WORK_TIMEOUT_SECONDS, 1, 3600) * 1000,
  };
  const publicUrl = reader.raw("PUBLIC_URL")?.trim().replace(/\/+$/, "");
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl)) {
    reader.problem(
      `PUBLIC_URL must be the API's public base URL such as https://cams.example.com (http or https, no query), got "${publicUrl.slice(0, 80)}"`,
    );
  }
  const signingKey = secret
    ? Buffer.from(secret, "utf8")
    : apiToken
      ? createHmac("sha256", apiToken).update("kiroku playback signing key v1").digest()
      : undefined;
  return {
    ...shared,
    port,
    host,
    ...(apiToken ? { apiToken } : {}),
    ...(signingKey ? { signingKey } : {}),
    segmentUrls,
    publicPlayback,
    liveWindow,
    liveIdleLimitSeconds,
    maxRangeHours,
    clipMaxBytes,
    segmentUrlTtlSeconds,
    corsOrigins,
    liveCdnMaxAge,
    s3Budget,
    ...(publicUrl ? { publicUrl } : {}),
  };
}
