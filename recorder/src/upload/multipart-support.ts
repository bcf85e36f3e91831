/**
 * Whether the store can list open multipart uploads, which the recorder
 * needs to find and abort the ones a crashed run left behind (they are
 * billed as storage until aborted). Some S3-compatible stores do not
 * implement ListMultipartUploads: they answer 501 NotImplemented, 405
 * MethodNotAllowed, or ignore `?uploads` and answer a plain object listing
 * (a 200 without the `Bucket` every ListMultipartUploadsResult carries). The
 * recorder then says once that it cannot check, instead of finding nothing
 * in silence or asking again after every upload.
 */

/** Thrown by the sweep when a 200 answer is not a ListMultipartUploadsResult. */
export class MultipartListingUnsupportedError extends Error {
  constructor(detail: string) {
    super(`ListMultipartUploads is not supported by this store (${detail})`);
    this.name = "MultipartListingUnsupportedError";
  }
}

const UNSUPPORTED_NAMES = new Set(["NotImplemented", "MethodNotAllowed", "NotSupported"]);

/** True when a failed ListMultipartUploads says the store does not have the operation. */
export function isMultipartListingUnsupported(err: unknown): boolean {
  if (err instanceof MultipartListingUnsupportedError) return true;
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  return (
    UNSUPPORTED_NAMES.has(e.name ?? "") ||
    UNSUPPORTED_NAMES.has(e.Code ?? "") ||
    status === 501 ||
    status === 405
  );
}

/** Checks a 200 answer really is a ListMultipartUploadsResult (it always names its bucket). */
export function checkMultipartListing(answer: { Bucket?: string | undefined }): void {
  if (answer.Bucket === undefined) {
    throw new MultipartListingUnsupportedError("the answer is not a ListMultipartUploadsResult");
  }
}

/** The log line when the store cannot list open multipart uploads. */
export const MULTIPART_UNSUPPORTED_MESSAGE =
  "could not check for multipart uploads left open by a crashed run: the store does not support ListMultipartUploads; add a lifecycle rule that aborts incomplete multipart uploads (AbortIncompleteMultipartUpload) if the store has one";
