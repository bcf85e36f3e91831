import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { S3Settings } from "./config";

export interface S3ClientOptions {
  /** Give up on a connection attempt after this long, so an outage is an error, not a hang. */
  connectionTimeoutMs?: number;
  /** Give up on a request that has sent nothing back for this long. */
  requestTimeoutMs?: number;
  /** SDK attempts per call (the SDK's own retries). Callers with their own retry loop pass 1. */
  maxAttempts?: number;
}

/**
 * The S3 client for real AWS and S3-compatible endpoints alike.
 *
 * For a custom endpoint (`S3_ENDPOINT`: the embedded server, MinIO, R2, OSS)
 * it turns the SDK's default request checksums down to "when required":
 * many compatible stores reject or mis-store the streamed trailer-checksum
 * bodies the SDK sends by default. Against AWS the SDK defaults stay on.
 */
export function createS3Client(settings: S3Settings, options: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
    },
  };
  if (settings.endpoint) {
    config.endpoint = settings.endpoint;
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  if (settings.credentials) config.credentials = settings.credentials;
  return new S3Client(config);
}
