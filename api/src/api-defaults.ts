/**
 * Defaults of the API's own settings, in one commented place. The settings
 * shared with other products (PORT, HOST, SEGMENT_URLS, LIVE_WINDOW,
 * MAX_RANGE_HOURS) live in `@kiroku/shared`'s DEFAULTS.
 */
export const API_DEFAULTS = {
  /**
   * Largest clip `clip.ts` streams. Above it the answer is 413 before any byte.
   * A Lambda function URL buffers the whole response (6 MB, base64 included),
   * so on Lambda the default drops to 4 MiB. With response streaming
   * (`stream.handler`, InvokeMode RESPONSE_STREAM) Lambda allows 200 MB per
   * response: 190 MiB leaves room for headers and the MP4's own boxes.
   */
  CLIP_MAX_BYTES: 1024 ** 3,
  CLIP_MAX_BYTES_LAMBDA: 4 * 1024 ** 2,
  CLIP_MAX_BYTES_LAMBDA_STREAMING: 190 * 1024 ** 2,
  /**
   * How long segment URLs in a playlist stay valid after the playlist is
   * served (presigned S3 GETs and signed proxy URLs): a viewer may pause,
   * then resume. AWS caps presigned URLs at 7 days (less with temporary
   * credentials: a URL dies with the credentials that signed it).
   */
  SEGMENT_URL_TTL_SECONDS: 6 * 3600,
  /**
   * Segment URLs are signed as of the start of a time bucket of this length,
   * so every request inside the bucket gets byte-identical playlists: one
   * ETag, one cache entry, one CDN object.
   */
  URL_BUCKET_SECONDS: 300,
  /** Two segments further apart than this (or overlapping by more) get an EXT-X-DISCONTINUITY. */
  GAP_TOLERANCE_MS: 500,
  /** Bytes of rendered past-range playlists kept in memory (an in-process LRU). */
  PLAYLIST_CACHE_BYTES: 64 * 1024 ** 2,
  /** Hours a summary (`recordings?summary=hour|day`) may span when MAX_RANGE_HOURS is lower: a month view. */
  SUMMARY_MAX_HOURS: 31 * 24,
  /** Allowed browser origins (CORS); `*` is safe because credentials are bearer tokens, never cookies. */
  CORS_ORIGINS: "*",
} as const;
