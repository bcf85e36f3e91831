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
  /**
   * LIVE_IDLE_LIMIT: seconds a channel's live playlist keeps serving its last
   * window while nothing new is recorded (a restart, a lost camera, an
   * outage); after it the playlist ends (EXT-X-ENDLIST).
   */
  LIVE_IDLE_LIMIT_SECONDS: 3600,
  /**
   * Seconds the ended live playlist is served after the idle limit, so every
   * player still polling sees EXT-X-ENDLIST and stops; then 404 NOT_LIVE.
   */
  LIVE_END_GRACE_SECONDS: 600,
  /** Two segments further apart than this (or overlapping by more) get an EXT-X-DISCONTINUITY. */
  GAP_TOLERANCE_MS: 500,
  /** Bytes of rendered past-range playlists kept in memory (an in-process LRU). */
  PLAYLIST_CACHE_BYTES: 64 * 1024 ** 2,
  /**
   * Segments of finished-range listings kept in memory (segment-listings.ts):
   * a new URL-signing slot or session re-signs these instead of listing
   * again. About 300 bytes each: 200,000 (a month of 30 s segments at two
   * channels) is about 60 MB.
   */
  LISTING_CACHE_SEGMENTS: 200_000,
  /**
   * Listings that may still change (live, a range reaching into now) are
   * reused for this fraction of TARGET_DURATION: a player reloads a live
   * playlist about once per target duration, so a viewer sees a new segment
   * at most a quarter of a segment later, and S3 sees at most four LISTs per
   * segment per channel and instance, however many watch.
   */
  LISTING_REFRESH_FRACTION: 0.25,
  /** Hours an hour or day summary (`recordings?summary=hour|day`) may span when MAX_RANGE_HOURS is lower: a month view. */
  SUMMARY_MAX_HOURS: 31 * 24,
  /**
   * The S3 work budget of one instance (`http/s3-budget.ts`): S3 requests in
   * flight at once. A Node server shares it between every client; a Lambda
   * instance serves one request at a time, so there it bounds one request's
   * fan-out (a 31-day summary lists 32 days, 8 at a time).
   */
  S3_CONCURRENCY: 16,
  S3_CONCURRENCY_LAMBDA: 8,
  /** S3 calls waiting for a slot past which a new request is refused at once (503 + Retry-After). */
  S3_QUEUE_LIMIT: 64,
  /** Seconds a request's S3 calls may wait for slots, in all, before it answers 503 + Retry-After. */
  S3_QUEUE_TIMEOUT_SECONDS: 10,
  /**
   * Seconds a read request's S3 work may run before it answers 503 +
   * Retry-After (its calls aborted): under a Lambda function's usual 30 s
   * limit, and long enough for a month summary on a slow store.
   */
  S3_WORK_TIMEOUT_SECONDS: 25,
  /** Allowed browser origins (CORS); `*` is safe because credentials are bearer tokens, never cookies. */
  CORS_ORIGINS: "*",
} as const;

/** How long a listing of keys that may still change is shared (see LISTING_REFRESH_FRACTION), at least 250 ms. */
export function listingRefreshMs(targetDurationSeconds: number): number {
  return Math.max(250, targetDurationSeconds * 1000 * API_DEFAULTS.LISTING_REFRESH_FRACTION);
}
