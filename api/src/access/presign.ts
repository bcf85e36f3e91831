import { createHash, createHmac } from "node:crypto";

/**
 * A SigV4 query-string presigner for S3 GETs (AWS "Authenticating Requests:
 * Using Query Parameters"). The SDK's `getSignedUrl` runs its whole
 * middleware stack per URL (~0.4 ms): 2,880 segments of a day cost over a
 * second and a month ~35 s. This signs with a cached signing key at a few
 * microseconds per URL. The object URL base (virtual-host or path style,
 * regional endpoint) comes from the SDK itself (see `objectUrlBase`), so
 * addressing stays the SDK's business; only the signature is computed here.
 */
export interface PresignCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignRequest {
  /** `https://bucket.s3.us-east-1.amazonaws.com/` or `http://127.0.0.1:9000/bucket/`: ends with `/`. */
  base: string;
  region: string;
  credentials: PresignCredentials;
  /** Signing instant (epoch ms); URLs are valid from it for `expiresInSeconds`. */
  signingDateMs: number;
  /** 1 to 604,800 (7 days, the SigV4 maximum). */
  expiresInSeconds: number;
}

/** Returns a function presigning GETs of keys under `base`, all with the same date and expiry. */
export function createPresigner(req: PresignRequest): (key: string) => string {
  const base = new URL(req.base);
  if (!base.pathname.endsWith("/"))
    throw new RangeError(`presign base must end with "/": ${req.base}`);
  const expires = Math.floor(req.expiresInSeconds);
  if (!(expires >= 1 && expires <= 604_800)) {
    throw new RangeError(`presigned URL expiry must be 1 to 604800 seconds, got ${expires}`);
  }
  const amzDate = `${new Date(req.signingDateMs).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${req.region}/s3/aws4_request`;
  const { accessKeyId, secretAccessKey, sessionToken } = req.credentials;
  const kDate = hmac(`AWS4${secretAccessKey}`, day);
  const signingKey = hmac(hmac(hmac(kDate, req.region), "s3"), "aws4_request");
  const query =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256` +
    `&X-Amz-Credential=${uriEncode(`${accessKeyId}/${scope}`, true)}` +
    `&X-Amz-Date=${amzDate}` +
    `&X-Amz-Expires=${expires}` +
    (sessionToken ? `&X-Amz-Security-Token=${uriEncode(sessionToken, true)}` : "") +
    `&X-Amz-SignedHeaders=host`;
  const origin = `${base.protocol}//${base.host}`;
  const headerBlock = `host:${base.host}\n\nhost\nUNSIGNED-PAYLOAD`;
  const prefix = base.pathname;
  return (key: string) => {
    const path = prefix + uriEncode(key, false);
    const canonical = `GET\n${path}\n${query}\n${headerBlock}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
    return `${origin}${path}?${query}&X-Amz-Signature=${signature}`;
  };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters (and `/` in paths). */
export function uriEncode(text: string, encodeSlash: boolean): string {
  if (!encodeSlash && PLAIN_PATH.test(text)) return text; // segment keys: the common, fast case
  let out = "";
  for (const ch of text) {
    if (UNRESERVED.test(ch) || (ch === "/" && !encodeSlash)) out += ch;
    else
      for (const b of Buffer.from(ch, "utf8"))
        out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
