import { parseSegmentKey, type SegmentRef, type StoredSegment, segmentKey } from "./segment-key";

/**
 * Keys of segment thumbnails (README, "Storage layout"): one small JPEG per
 * segment, named like its segment under a prefix of their own,
 *
 *   {S3_MOVIE_KEY}/_thumbs/{channel}/{YYYY-MM-DD}/{HH-mm-ss.SSS}Z_{durationMs}ms_r{run}_s{seq}.jpg
 *
 * so a segment range listing (`{S3_MOVIE_KEY}/{channel}/`) never reads one
 * (`_thumbs` can never be a channel name), and a thumbnail range is the same
 * kind of one-scan listing as a segment range, with the same page bounds.
 */
export const THUMBNAILS_FOLDER = "_thumbs";

/** The "movie key" under which thumbnails mirror the segment layout. */
export function thumbnailRoot(movieKey: string): string {
  return `${movieKey}/${THUMBNAILS_FOLDER}`;
}

/** The key of a segment's thumbnail. */
export function thumbnailKey(movieKey: string, seg: SegmentRef): string {
  return `${segmentKey(thumbnailRoot(movieKey), seg).slice(0, -".ts".length)}.jpg`;
}

/** The segment a thumbnail key belongs to (its `key` the thumbnail's), or undefined for any other key. */
export function parseThumbnailKey(movieKey: string, key: string): StoredSegment | undefined {
  if (!key.endsWith(".jpg")) return undefined;
  const seg = parseSegmentKey(thumbnailRoot(movieKey), `${key.slice(0, -".jpg".length)}.ts`);
  return seg ? { ...seg, key } : undefined;
}
