import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { StoredSegment } from "@kiroku/shared";
import type { ApiConfig } from "../api-config";
import { API_DEFAULTS } from "../api-defaults";
import { toStorageError } from "../http/storage-error";
import { type Access, signedQuery } from "./auth";
import { createPresigner, uriEncode } from "./presign";

/**
 * When the segment URLs of one response are signed and how long they and
 * the playlist holding them may be used.
 *
 * URLs are signed as of the start of a 5-minute bucket and stay valid for
 * SEGMENT_URL_TTL after the bucket ends, so every request in a bucket gets a
 * byte-identical playlist (one ETag, one cache entry) and a playlist served at
 * any moment has URLs good for at least SEGMENT_URL_TTL. A playlist opened
 * through a signed URL hands on that URL's own expiry instead.
 */
export interface UrlPolicy {
  signingDateMs: number;
  expiresAtMs: number;
  /** Until when a cache may keep the playlist: its URLs stay valid for the TTL after that. */
  cacheUntilMs: number;
  /** Identifies the URL set in cache keys. */
  cacheTag: string;
}

export function urlPolicy(config: ApiConfig, access: Access, nowMs: number): UrlPolicy {
  const bucketMs = API_DEFAULTS.URL_BUCKET_SECONDS * 1000;
  const signingDateMs = Math.floor(nowMs / bucketMs) * bucketMs;
  const expiring =
    config.segmentUrls === "presigned" ||
    (config.segmentUrls === "proxy" && !config.publicPlayback);
  if (!expiring) {
    return { signingDateMs, expiresAtMs: Infinity, cacheUntilMs: Infinity, cacheTag: "open" };
  }
  if (access.kind === "signed") {
    const expMs = access.expSeconds * 1000;
    return {
      signingDateMs,
      expiresAtMs: expMs,
      cacheUntilMs: expMs,
      cacheTag: `s${access.expSeconds}/${signingDateMs}`,
    };
  }
  return {
    signingDateMs,
    expiresAtMs: signingDateMs + bucketMs + config.segmentUrlTtlSeconds * 1000,
    cacheUntilMs: signingDateMs + bucketMs,
    cacheTag: `b${signingDateMs}`,
  };
}

/** Makes segment URIs in the configured mode (SEGMENT_URLS). */
export class SegmentUrls {
  #base?: Promise<string>;

  constructor(
    private readonly config: ApiConfig,
    private readonly s3: S3Client,
  ) {}

  /**
   * A function giving the URI of each segment of `channel` for one response.
   * Proxy URIs are relative to the channel's playlists
   * (`segments/2026-11-22/10-30-00.000Z_30000ms_r1_s5.ts`), so they work
   * behind any host name or path prefix.
   */
  async builder(channel: string, policy: UrlPolicy): Promise<(seg: StoredSegment) => string> {
    const { config } = this;
    switch (config.segmentUrls) {
      case "public": {
        const base = `${config.hostingUrl}/`;
        return (seg) => base + uriEncode(seg.key, false);
      }
      case "proxy": {
        const prefix = `${config.movieKey}/${channel}/`;
        const key = config.publicPlayback ? undefined : config.signingKey;
        const exp = Math.ceil(policy.expiresAtMs / 1000);
        return (seg) => {
          const name = seg.key.slice(prefix.length);
          const uri = `segments/${name}`;
          return key
            ? `${uri}?${signedQuery(key, { channel, resource: "segment", name }, exp)}`
            : uri;
        };
      }
      case "presigned": {
        try {
          const [base, credentials, region] = await Promise.all([
            this.objectBase(),
            this.s3.config.credentials(),
            this.s3.config.region(),
          ]);
          const expiresInSeconds = Math.min(
            604_800,
            Math.ceil((policy.expiresAtMs - policy.signingDateMs) / 1000),
          );
          const sign = createPresigner({
            base,
            region,
            credentials,
            signingDateMs: policy.signingDateMs,
            expiresInSeconds,
          });
          return (seg) => sign(seg.key);
        } catch (err) {
          throw toStorageError(err, "resolving credentials to presign segment URLs");
        }
      }
    }
  }

  /** The URL of the bucket's root as the SDK addresses it (endpoint, path or virtual-host style). */
  private objectBase(): Promise<string> {
    this.#base ??= (async () => {
      const probe = "kiroku-probe";
      const url = new URL(
        await getSignedUrl(
          this.s3,
          new GetObjectCommand({ Bucket: this.config.s3.bucket, Key: probe }),
          { expiresIn: 60 },
        ),
      );
      if (!url.pathname.endsWith(`/${probe}`)) {
        throw new Error(`unexpected presigned URL shape: ${url.origin}${url.pathname}`);
      }
      return `${url.origin}${url.pathname.slice(0, -probe.length)}`;
    })();
    this.#base.catch(() => {
      this.#base = undefined;
    });
    return this.#base;
  }
}
