import { GetObjectCommand, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { KirokuError, type StoredSegment } from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { toStorageError } from "../http/storage-error";

/**
 * One stored segment's body, opened (the GET answered) but not read: bytes
 * flow as they are taken, so holding one costs its connection's buffers,
 * not its size. Storage failures become 503/502, a length other than the
 * listing's a 502 (SEGMENT_CHANGED), before any byte is used. clip.ts
 * copies it out as it comes; clip.mp4 demuxes it as it comes.
 */
export async function openSegmentBody(
  deps: Pick<ApiDeps, "s3" | "config">,
  seg: StoredSegment,
  abortSignal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  let out: GetObjectCommandOutput;
  try {
    out = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: seg.key }),
      { abortSignal },
    );
  } catch (err) {
    throw toStorageError(err, `reading ${seg.key}`);
  }
  if (!out.Body) {
    throw new KirokuError("STORAGE_ERROR", `object storage returned no body for ${seg.key}`, 502);
  }
  const body = pulledStream(out.Body as unknown as AsyncIterable<Uint8Array>);
  if (seg.size !== undefined && out.ContentLength !== undefined && out.ContentLength !== seg.size) {
    void body.cancel().catch(() => {});
    throw new KirokuError(
      "SEGMENT_CHANGED",
      `segment ${seg.key} is ${out.ContentLength} bytes, the listing said ${seg.size}`,
      502,
    );
  }
  return body;
}

/**
 * A web stream over a Node body that reads a chunk only when one is asked
 * for. The SDK's `transformToWebStream()` (Node's `Readable.toWeb`) counts
 * its queue in chunks with the byte high-water mark (16,384 chunks on Node
 * 20): it pulled a whole segment into memory at network speed, also for
 * the segment opened ahead.
 */
function pulledStream(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The segments opened in order, the next one opened while the current one
 * is in use, so the store's latency overlaps the work. An opened body that
 * is never handed out (the consumer stopped early) is cancelled, so its
 * connection goes back to the pool.
 */
export async function* openAhead<T extends { body: ReadableStream<Uint8Array> }>(
  open: (seg: StoredSegment) => Promise<T>,
  segments: readonly StoredSegment[],
): AsyncGenerator<T> {
  let pending: Promise<T> | undefined;
  try {
    for (let i = 0; i < segments.length; i++) {
      const current = await (pending ?? open(segments[i]!));
      pending = undefined;
      const next = segments[i + 1];
      if (next) {
        pending = open(next);
        // A failed open ahead is reported when its turn comes, not as an unhandled rejection.
        pending.catch(() => {});
      }
      yield current;
    }
  } finally {
    void pending?.then(
      (unused) => unused.body.cancel().catch(() => {}),
      () => {},
    );
  }
}
