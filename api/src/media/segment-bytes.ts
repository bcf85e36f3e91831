import { GetObjectCommand } from "@aws-sdk/client-s3";
import { KirokuError, type StoredSegment } from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { toStorageError } from "../http/storage-error";
import type { SegmentBytes } from "./fmp4-remux";

/** One stored segment read whole; storage failures become 503/502, a size other than the listing's a 502. */
export async function readSegmentBytes(
  deps: Pick<ApiDeps, "s3" | "config">,
  seg: StoredSegment,
  abortSignal?: AbortSignal,
): Promise<SegmentBytes> {
  let bytes: Uint8Array;
  try {
    const out = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: seg.key }),
      abortSignal ? { abortSignal } : {},
    );
    if (!out.Body) {
      throw new KirokuError("STORAGE_ERROR", `object storage returned no body for ${seg.key}`, 502);
    }
    bytes = await out.Body.transformToByteArray();
  } catch (err) {
    if (err instanceof KirokuError) throw err;
    throw toStorageError(err, `reading ${seg.key}`);
  }
  if (seg.size !== undefined && bytes.byteLength !== seg.size) {
    throw new KirokuError(
      "SEGMENT_CHANGED",
      `segment ${seg.key} is ${bytes.byteLength} bytes, the listing said ${seg.size}`,
      502,
    );
  }
  return { key: seg.key, run: seg.run, seq: seg.seq, startMs: seg.startMs, bytes };
}

/**
 * The segments read in order, the next one fetched while the current one
 * is being used: at most two segments are held at once, whatever the clip's
 * length, and the store's latency overlaps the remuxing.
 */
export async function* readAhead(
  read: (seg: StoredSegment) => Promise<SegmentBytes>,
  segments: readonly StoredSegment[],
): AsyncGenerator<SegmentBytes> {
  let pending: Promise<SegmentBytes> | undefined = segments[0] ? read(segments[0]) : undefined;
  for (let i = 0; pending; i++) {
    const current = await pending;
    const next = segments[i + 1];
    pending = next ? read(next) : undefined;
    // A failed read ahead is reported when its turn comes, not as an unhandled rejection.
    pending?.catch(() => {});
    yield current;
  }
}
