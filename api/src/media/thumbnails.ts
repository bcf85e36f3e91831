import { GetObjectCommand } from "@aws-sdk/client-s3";
import { KirokuError, listThumbnailsInRange, type StoredSegment } from "@kiroku/shared";
import { type Access, authorizeScope } from "../access/auth";
import { type ApiDeps, lookbackMs } from "../access/context";
import { isNotFound, toStorageError } from "../http/storage-error";
import type { TimeRange } from "../http/time-range";

/**
 * Segment thumbnails as the API reads them (the recorder writes one per
 * segment under `{S3_MOVIE_KEY}/_thumbs/`, see shared/thumbnail-key.ts).
 * Each result is the segment a thumbnail belongs to, its `key` the
 * thumbnail's: the thumbnail shows the segment's first keyframe, so its
 * time is the segment's start.
 */

/** Thumbnails of the segments overlapping a range, in time order, from one planned listing. */
export async function listThumbnails(
  deps: Pick<ApiDeps, "s3" | "config">,
  channel: string,
  range: TimeRange,
  abortSignal?: AbortSignal,
): Promise<StoredSegment[]> {
  try {
    const { segments } = await listThumbnailsInRange({
      s3: deps.s3,
      bucket: deps.config.s3.bucket,
      movieKey: deps.config.movieKey,
      channel,
      startMs: range.startMs,
      endMs: range.endMs,
      lookbackMs: lookbackMs(deps.config),
      ...(abortSignal ? { abortSignal } : {}),
    });
    return segments;
  } catch (err) {
    throw toStorageError(err, `listing thumbnails of ${channel}`);
  }
}

/**
 * The thumbnail nearest at or before `atMs`: the one of the segment playing
 * then, or, in a gap, of the last segment before it, if that segment
 * started at most two segment durations (TARGET_DURATION) earlier.
 */
export function nearestAtOrBefore(
  thumbnails: readonly StoredSegment[],
  atMs: number,
  targetDurationSeconds: number,
): StoredSegment | undefined {
  let best: StoredSegment | undefined;
  for (const t of thumbnails)
    if (t.startMs <= atMs && (!best || t.startMs > best.startMs)) best = t;
  if (!best || atMs - best.startMs > 2 * targetDurationSeconds * 1000) return undefined;
  return best;
}

/**
 * Thumbnails at least `everyMs` apart, in time order: each kept one is the
 * first whose start is `everyMs` or more after the last kept one (0 keeps all).
 */
export function thinOut(thumbnails: readonly StoredSegment[], everyMs: number): StoredSegment[] {
  const out: StoredSegment[] = [];
  for (const t of thumbnails) {
    const last = out.at(-1);
    if (!last || t.startMs - last.startMs >= everyMs) out.push(t);
  }
  return out;
}

/**
 * For signed access, throws 403 unless the signature is a range session's
 * (a `vod` or `clip` URL) over exactly `range`: a session opens the images
 * of its range. Token and public access pass.
 */
export function authorizeRangeSession(
  deps: Pick<ApiDeps, "config">,
  access: Access,
  channel: string,
  range: TimeRange,
): void {
  if (access.kind !== "signed") return;
  try {
    authorizeScope(deps.config, access, { channel, resource: "vod", ...range });
  } catch {
    authorizeScope(deps.config, access, { channel, resource: "clip", ...range });
  }
}

/** A thumbnail's bytes (404 THUMBNAIL_NOT_FOUND when it went away between listing and reading). */
export async function readThumbnail(
  deps: Pick<ApiDeps, "s3" | "config">,
  key: string,
  abortSignal?: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const out = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: key }),
      abortSignal ? { abortSignal } : {},
    );
    if (!out.Body) throw new KirokuError("STORAGE_ERROR", `no body for ${key}`, 502);
    return (await out.Body.transformToByteArray()) as Uint8Array<ArrayBuffer>;
  } catch (err) {
    if (err instanceof KirokuError) throw err;
    if (isNotFound(err)) {
      throw new KirokuError("THUMBNAIL_NOT_FOUND", `thumbnail ${key} is no longer stored`, 404);
    }
    throw toStorageError(err, `reading ${key}`);
  }
}
