/**
 * Defaults of the API's own settings, in one commented place. The settings
 * shared with other products (PORT, HOST, SEGMENT_URLS, LIVE_WINDOW,
 * MAX_RANGE_HOURS) live in `@kiroku/shared`'s DEFAULTS.
 */
export const API_DEFAULTS = {
  /**
   * Largest clip `clip.ts` streams. Above it the answer is 413 before any byte.
   * A Lambda function URL buffers the whole response (6 MB, base64 included),
   * so on Lambda the default drops to 4 MiB.
   */
  CLIP_MAX_BYTES: 1024 ** 3,
  CLIP_MAX_BYTES_LAMBDA: 4 * 1024 ** 2,
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
  /** Hours a summary (`recordings?summary=hour|day`) may span when MAX_RANGE_HOURS is lower: a month view. */
  SUMMARY_MAX_HOURS: 31 * 24,
  /** Allowed browser origins (CORS); `*` is safe because credentials are bearer tokens, never cookies. */
  CORS_ORIGINS: "*",
} as const;

/** How long a listing of keys that may still change is shared (see LISTING_REFRESH_FRACTION), at least 250 ms. */
export function listingRefreshMs(targetDurationSeconds: number): number {
  return Math.max(250, targetDurationSeconds * 1000 * API_DEFAULTS.LISTING_REFRESH_FRACTION);
}
