import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { mapLimit } from "./map-limit";
import { overlaps, planRangeScans, type RangeScan, type RangeScanRequest } from "./range-plan";
import { parseSegmentKey, type StoredSegment } from "./segment-key";

export interface ListRangeOptions extends RangeScanRequest {
  s3: S3Client;
  bucket: string;
  /** How many scans (days) are listed at once. Default 4. */
  concurrency?: number;
  /** Keys per page; S3 caps this at 1,000. */
  pageSize?: number;
  abortSignal?: AbortSignal;
  /** What a key names (default: `parseSegmentKey`); thumbnails list the same way with theirs. */
  parseKey?: (movieKey: string, key: string) => StoredSegment | undefined;
}

export interface ListRangeResult {
  /** Segments overlapping the range, in chronological (key) order. */
  segments: StoredSegment[];
  /** ListObjectsV2 requests made: the cost of the answer. */
  requests: number;
}

/**
 * Lists the segments of a channel that overlap a time range, reading only the
 * pages the plan allows (see `planRangeScans`). Keys that are not segment
 * keys (stored playlists, stray uploads) are skipped, never fatal.
 */
export async function listSegmentsInRange(opts: ListRangeOptions): Promise<ListRangeResult> {
  const scans = planRangeScans(opts);
  const results = await mapLimit(scans, opts.concurrency ?? 4, (scan) => runScan(opts, scan));
  const segments = results
    .flatMap((r) => r.segments)
    .filter((s) => overlaps(s.startMs, s.durationMs, opts.startMs, opts.endMs));
  return { segments, requests: results.reduce((n, r) => n + r.requests, 0) };
}

async function runScan(
  opts: ListRangeOptions,
  scan: RangeScan,
): Promise<{ segments: StoredSegment[]; requests: number }> {
  const segments: StoredSegment[] = [];
  let requests = 0;
  let token: string | undefined;
  for (;;) {
    requests++;
    const page = await opts.s3.send(
      new ListObjectsV2Command({
        Bucket: opts.bucket,
        Prefix: scan.prefix,
        MaxKeys: opts.pageSize ?? 1000,
        ...(token ? { ContinuationToken: token } : { StartAfter: scan.startAfter }),
      }),
      { abortSignal: opts.abortSignal },
    );
    for (const obj of page.Contents ?? []) {
      const key = obj.Key;
      if (!key) continue;
      if (key >= scan.stopAt) return { segments, requests };
      const seg = (opts.parseKey ?? parseSegmentKey)(opts.movieKey, key);
      if (seg) segments.push(obj.Size === undefined ? seg : { ...seg, size: obj.Size });
    }
    if (!page.IsTruncated || !page.NextContinuationToken) return { segments, requests };
    token = page.NextContinuationToken;
  }
}
