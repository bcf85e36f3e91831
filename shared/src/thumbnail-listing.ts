import {
  type ListRangeOptions,
  type ListRangeResult,
  listSegmentsInRange,
} from "./segment-listing";
import { parseThumbnailKey, thumbnailRoot } from "./thumbnail-key";

/**
 * The thumbnails of a channel's segments overlapping a range: the same
 * planned scan as a segment range (same page bounds), over
 * `{movieKey}/_thumbs/{channel}/`. Each result is the segment the thumbnail
 * belongs to, its `key` the thumbnail's.
 */
export function listThumbnailsInRange(opts: ListRangeOptions): Promise<ListRangeResult> {
  const movieKey = opts.movieKey;
  return listSegmentsInRange({
    ...opts,
    movieKey: thumbnailRoot(movieKey),
    parseKey: (_root, key) => parseThumbnailKey(movieKey, key),
  });
}
