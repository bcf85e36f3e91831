import { DEFAULTS } from "./defaults";
import { type Env, EnvReader } from "./env-vars";
import { ConfigError } from "./errors";

/** Settings every product shares: where the recordings are and how to reach them. */
export interface SharedConfig {
  s3: S3Settings;
  /** S3_MOVIE_KEY: top-level key folder (no leading or trailing slash). */
  movieKey: string;
  /** TARGET_DURATION in seconds. */
  targetDuration: number;
  /** S3_HOSTING_URL: public base URL of the bucket (static hosting or CDN), for SEGMENT_URLS=public. */
  hostingUrl?: string;
}

export interface S3Settings {
  bucket: string;
  region: string;
  /** S3_ENDPOINT: an S3-compatible endpoint (embedded server, MinIO, R2, OSS); unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /**
   * Explicit credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN);
   * when absent the SDK's default chain (profiles, SSO, instance and Lambda roles) is used.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const MOVIE_KEY = /^[A-Za-z0-9!_.*'()-]+(?:\/[A-Za-z0-9!_.*'()-]+)*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * True for an S3 bucket name: 3 to 63 of a-z, 0-9, "." and "-", starting and
 * ending with a letter or digit, no "..". The one rule for the products'
 * configuration and the embedded server alike.
 */
export function isBucketName(name: string): boolean {
  return BUCKET.test(name) && !name.includes("..");
}

/**
 * Reads the shared settings into `reader` (problems are collected there, not
 * thrown) so each product can add its own variables and fail once with all.
 */
export function readSharedConfig(reader: EnvReader): SharedConfig {
  const bucket = reader.requiredString(
    "S3_BUCKETNAME",
    "the bucket that holds the recordings, e.g. S3_BUCKETNAME=my-camera-bucket",
  );
  if (bucket && !isBucketName(bucket)) {
    reader.problem(
      `S3_BUCKETNAME must be a valid bucket name (3-63 of a-z, 0-9, "." and "-"), got "${bucket}"`,
    );
  }
  const endpoint = reader.url("S3_ENDPOINT");
  const region =
    reader.raw("S3_REGION") ??
    reader.raw("AWS_REGION") ??
    reader.raw("AWS_DEFAULT_REGION") ??
    DEFAULTS.S3_REGION;
  // Custom endpoints (the embedded server, MinIO) usually lack virtual-host DNS: path style by default there.
  const forcePathStyle = reader.bool("S3_FORCE_PATH_STYLE", endpoint !== undefined);
  const accessKeyId = reader.raw("AWS_ACCESS_KEY_ID");
  const secretAccessKey = reader.raw("AWS_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    reader.problem(
      `AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only ${accessKeyId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"} is set); unset both to use the default credential chain`,
    );
  }
  const sessionToken = reader.raw("AWS_SESSION_TOKEN");
  const credentials =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined;
  const movieKey = reader.string("S3_MOVIE_KEY", DEFAULTS.S3_MOVIE_KEY, {
    pattern: MOVIE_KEY,
    describe:
      'a key folder such as "movie" or "site-a/movie" (no leading or trailing slash, no spaces)',
  });
  const targetDuration = reader.int("TARGET_DURATION", DEFAULTS.TARGET_DURATION, 1, 100);
  const hostingUrl = reader.url("S3_HOSTING_URL");
  return {
    s3: {
      bucket,
      region,
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle,
      ...(credentials ? { credentials } : {}),
    },
    movieKey,
    targetDuration,
    ...(hostingUrl ? { hostingUrl } : {}),
  };
}

/** Runs a product's config reader and throws one ConfigError listing every problem. */
export function parseEnvConfig<T>(
  env: Env,
  read: (reader: EnvReader) => T,
  source = "configuration",
): T {
  const reader = new EnvReader(env);
  const config = read(reader);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems, source);
  return config;
}

/** The shared settings alone (tools such as the bench and `pnpm s3` use this). */
export function parseSharedConfig(env: Env): SharedConfig {
  return parseEnvConfig(env, readSharedConfig);
}
