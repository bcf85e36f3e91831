/**
 * Every default in one commented place. Products read their settings through
 * `parse*Config(env)`; these are the values used when a variable is unset.
 */
export const DEFAULTS = {
  /** Top-level key folder of all recordings (the seed's S3_MOVIE_KEY). */
  S3_MOVIE_KEY: "movie",
  /** Segment length in seconds (the seed's TARGET_DURATION). 30 s keeps request counts low; tests use 2. */
  TARGET_DURATION: 30,
  /** Region for the SDK when neither S3_REGION nor AWS_REGION is set. */
  S3_REGION: "us-east-1",
  /** Port of `pnpm api`. */
  PORT: 8080,
  /** Address of `pnpm api`: all interfaces, as a service behind a load balancer expects. */
  HOST: "0.0.0.0",
  /** How segment URIs in playlists are made: presigned S3 GETs, public hosting, or proxied by the API. */
  SEGMENT_URLS: "presigned" as const,
  /** Segments in the live playlist (1 to 100). */
  LIVE_WINDOW: 3,
  /** Longest range a playlist, clip or timeline request may cover. */
  MAX_RANGE_HOURS: 24,
  /** Recorder channel name when configured from the environment alone. */
  CHANNEL: "cam1",
  /** Recorder source when configured from the environment alone: the lavfi test pattern. */
  SOURCE: "test",
  /** Local folder holding segments until they are safely in S3 (the durable queue). */
  SPOOL_DIR: "/var/lib/kiroku/spool",
  /** Upper bound of the spool's size; the oldest segments are dropped (loudly) past it. */
  SPOOL_MAX_BYTES: 2 * 1024 ** 3,
  /** Port of the recorder's /metrics and /healthz (0 disables). */
  METRICS_PORT: 9464,
} as const;
