import { KirokuError, StorageUnavailableError } from "@kiroku/shared";

const RETRYABLE_NAMES = new Set([
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ThrottlingException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * True when an S3 SDK failure says the object is not there: `NoSuchKey` (a
 * GET), `NotFound` (a HEAD, which has no body to name the error) or any 404.
 */
export function isNotFound(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  // A missing bucket is a 404 too, but a deployment fault, not a missing object.
  if (e.name === "NoSuchBucket") return false;
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

/**
 * True when an S3 SDK failure says the store itself is failing (down, slow,
 * throttling, 5xx): the failures after which a request's other S3 calls are
 * not worth sending. A missing object or a refused credential is not one.
 */
export function isStoreFailure(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  return (
    RETRYABLE_NAMES.has(e.name ?? "") ||
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    (status !== undefined && status >= 500)
  );
}

/**
 * Turns an S3 SDK failure into the API's errors: the store being down, slow
 * or overloaded is a 503 with Retry-After (StorageUnavailableError), a bucket
 * or credential problem is a 502 that says what to fix, never a bare 500.
 */
export function toStorageError(err: unknown, what: string): KirokuError {
  if (err instanceof KirokuError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? "";
  if (
    RETRYABLE_NAMES.has(name) ||
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    (status !== undefined && status >= 500) ||
    // The SDK gave up before any HTTP answer (connection refused, timeouts).
    (status === undefined && e.$metadata !== undefined)
  ) {
    return new StorageUnavailableError(
      `object storage is unavailable (${what}: ${describe(err)}); retry shortly`,
      {
        cause: err,
        retryAfterSeconds: 5,
      },
    );
  }
  if (name === "NoSuchBucket") {
    return new KirokuError(
      "BUCKET_NOT_FOUND",
      `the bucket does not exist (${what}): check S3_BUCKETNAME`,
      502,
      { cause: err },
    );
  }
  if (
    status === 403 ||
    name === "AccessDenied" ||
    name === "InvalidAccessKeyId" ||
    name === "SignatureDoesNotMatch"
  ) {
    return new KirokuError(
      "STORAGE_ACCESS_DENIED",
      `object storage refused access (${what}: ${name || status}): check the API's credentials and bucket policy`,
      502,
      { cause: err },
    );
  }
  if (status === undefined) throw err; // not an S3 answer: a bug, let onError report it
  return new KirokuError(
    "STORAGE_ERROR",
    `object storage failed (${what}: ${describe(err)})`,
    502,
    { cause: err },
  );
}

/**
 * What went wrong, by the SDK's error name and the system error code only
 * (`TimeoutError`, `ECONNREFUSED`, `SlowDown`, HTTP 500): the messages carry the
 * store's host and port, which a client (possibly unauthenticated, under
 * PUBLIC_PLAYBACK) has no business knowing. The full error goes to the log.
 */
function describe(err: unknown): string {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const parts = [e.name, e.code, status === undefined ? undefined : `HTTP ${status}`];
  return [...new Set(parts.filter(Boolean))].join(": ").slice(0, 120) || "no answer";
}
