import { type BackoffOptions, backoffDelay } from "@kiroku/shared";

/**
 * How the uploader reacts to a failed attempt. The split matters because the
 * answers differ: a network blip must never lose a segment (retry forever,
 * quickly), while "access denied" will not fix itself (say so loudly, keep
 * the segments, probe slowly so a fixed bucket policy recovers without a
 * restart).
 *
 * - `store`: the store is unreachable or failing as a whole (network errors,
 *   timeouts, 5xx, throttling). Every upload would fail the same
 *   way, so the uploader pauses all of them and sends one probe at a time
 *   with capped, jittered backoff.
 * - `permanent`: credentials or bucket are wrong (AccessDenied, NoSuchBucket,
 *   InvalidAccessKeyId, SignatureDoesNotMatch, …), or the store says this
 *   machine's clock is off (RequestTimeTooSkewed: segments are keyed only
 *   with a synchronised clock, so the clock is not what it claims, or the
 *   store's is off). Needs an operator; the uploader probes at a slow fixed
 *   rate and the status shows `error` with what to check.
 * - `item`: this one request was refused (BadDigest because the bytes changed
 *   under us, another 4xx). Only that segment waits, with its own backoff.
 * - `gone`: the spool file no longer exists (dropped by the disk guard):
 *   nothing to upload, nothing to retry.
 */
export type FailureKind = "store" | "permanent" | "item" | "gone";

/** Error codes that mean the configuration (credentials, bucket, region) is wrong. */
const PERMANENT: Record<string, string> = {
  AccessDenied:
    "the credentials may not write into the bucket: allow s3:PutObject (and s3:AbortMultipartUpload, s3:ListBucketMultipartUploads) on the recording keys (S3_MOVIE_KEY/*)",
  AllAccessDisabled: "all access to the bucket has been disabled by its owner",
  AccountProblem: "the AWS account has a problem that prevents writes: check the account",
  InvalidAccessKeyId:
    "the access key id is not known to the store: check AWS_ACCESS_KEY_ID (or the credential chain)",
  SignatureDoesNotMatch:
    "the secret key does not match the access key: check AWS_SECRET_ACCESS_KEY",
  NoSuchBucket: "the bucket does not exist: create it or fix S3_BUCKETNAME",
  InvalidBucketName: "the bucket name is not valid: fix S3_BUCKETNAME",
  PermanentRedirect: "the bucket is in another region: set S3_REGION to the bucket's region",
  AuthorizationHeaderMalformed:
    "the request was signed for the wrong region: set S3_REGION to the bucket's region",
  InvalidToken: "the session token is invalid: refresh AWS_SESSION_TOKEN",
  ExpiredToken: "the session token has expired: refresh the credentials",
  RequestTimeTooSkewed:
    "the store says this machine's clock is off by more than its limit (15 minutes on AWS): segments stay in the spool; check the time synchronisation (timedatectl, chronyc tracking) and the store's clock",
  CredentialsProviderError:
    "no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or configure a profile/role",
};

/** Network and timeout errors: the store could not be reached. */
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "AbortError",
  "RequestTimeout",
  "RequestTimeoutException",
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "ServiceUnavailable",
  "InternalError",
  "NetworkingError",
]);

/** A failure as the uploader, logs, metrics and status see it. */
export interface UploadFailure {
  kind: FailureKind;
  /** Stable code: the S3 error code, the Node error code, or the error name. */
  code: string;
  /** One line for logs and status: what happened and, for permanent failures, what to do. Never secrets. */
  message: string;
  httpStatus?: number;
}

/** Classifies an error thrown by an upload attempt. */
export function classifyUploadError(err: unknown): UploadFailure {
  const e = (err ?? {}) as {
    name?: string;
    code?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? (typeof e.code === "string" ? e.code : undefined) ?? e.name ?? "Error";
  const raw = oneLine(e.message ?? String(err));
  const base = status === undefined ? { code } : { code, httpStatus: status };
  if (code === "ENOENT") return { ...base, kind: "gone", message: "the spool file is gone" };
  const hint = PERMANENT[code] ?? PERMANENT[e.name ?? ""];
  if (hint) return { ...base, kind: "permanent", message: `${code}: ${hint} (${raw})` };
  if (NETWORK.has(code) || NETWORK.has(e.name ?? "")) {
    return { ...base, kind: "store", message: `${code}: ${raw}` };
  }
  if (status === 403)
    return { ...base, kind: "permanent", message: `${code} (HTTP 403): ${PERMANENT.AccessDenied}` };
  if (status === undefined || status >= 500 || status === 429 || status === 408 || e.$retryable) {
    return { ...base, kind: "store", message: `${code}: ${raw}` };
  }
  return { ...base, kind: "item", message: `${code} (HTTP ${status}): ${raw}` };
}

/** Retry timing of the uploader. */
export interface UploadRetryPolicy {
  /** Backoff while the store fails (`store` and `item` failures). */
  backoff: BackoffOptions;
  /** Fixed probe interval while the configuration is wrong (`permanent`). */
  permanentRetryMs: number;
}

/**
 * The default policy for a segment length: retries start at 250 ms and are
 * capped at half a segment (at least 1 s, at most 15 s), so when the store
 * comes back the newest segment is in the bucket within about one segment
 * duration, yet a long outage costs one small request every few seconds.
 */
export function defaultUploadRetryPolicy(
  targetDurationMs: number,
  permanentRetryMs = 30_000,
): UploadRetryPolicy {
  return {
    backoff: {
      initialMs: 250,
      factor: 2,
      maxMs: Math.min(15_000, Math.max(1_000, Math.round(targetDurationMs / 2))),
      jitter: 0.3,
    },
    permanentRetryMs,
  };
}

/** Delay before the next attempt after `failures` consecutive failures of this kind. */
export function retryDelayMs(
  kind: FailureKind,
  failures: number,
  policy: UploadRetryPolicy,
  random: () => number = Math.random,
): number {
  if (kind === "gone") return 0;
  if (kind === "permanent") return policy.permanentRetryMs;
  return backoffDelay(Math.max(0, failures - 1), policy.backoff, random);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
