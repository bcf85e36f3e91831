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
    bytes =
      seg.size === undefined
        ? await out.Body.transformToByteArray()
        : await readExactly(out.Body.transformToWebStream(), seg.size, seg.key);
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
 * A body read into one buffer of the size the listing gave: no list of
 * chunks joined at the end, so a segment costs its size once, not twice.
 */
async function readExactly(
  body: ReadableStream<Uint8Array>,
  size: number,
  key: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let at = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    if (at + chunk.byteLength > size) {
      throw new KirokuError(
        "SEGMENT_CHANGED",
        `segment ${key} is longer than the ${size} bytes the listing said`,
        502,
      );
    }
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return at === size ? bytes : bytes.subarray(0, at);
}

/**
 * Bytes of segments held at once, above which the next segment is not read
 * ahead: typical 30 s camera segments (4 to 15 MB) overlap the store's
 * latency with the remuxing; a bigger one waits its turn, so memory stays
 * within about one segment plus this.
 */
export const READ_AHEAD_BUDGET_BYTES = 32 * 1024 * 1024;

/**
 * The segments read in order, the next one fetched while the current one
 * is being used when both fit READ_AHEAD_BUDGET_BYTES: at most two segments
 * are held at once, whatever the clip's length.
 */
export async function* readAhead(
  read: (seg: StoredSegment) => Promise<SegmentBytes>,
  segments: readonly StoredSegment[],
  budgetBytes = READ_AHEAD_BUDGET_BYTES,
): AsyncGenerator<SegmentBytes> {
  let pending: Promise<SegmentBytes> | undefined;
  for (let i = 0; i < segments.length; i++) {
    const current = await (pending ?? read(segments[i]!));
    pending = undefined;
    const next = segments[i + 1];
    if (next && current.bytes.byteLength + (next.size ?? Infinity) <= budgetBytes) {
      pending = read(next);
      // A failed read ahead is reported when its turn comes, not as an unhandled rejection.
      pending.catch(() => {});
    }
    yield current;
  }
}
