import { createHmac, hash, timingSafeEqual } from "node:crypto";
import { KirokuError } from "@kiroku/shared";

/**
 * Playback authorization. Three ways in:
 * - `Authorization: Bearer <API_TOKEN>`: API clients, the web UI, scripts.
 * - A signed URL `…?exp=<unix seconds>&sig=<base64url HMAC-SHA256>`: for
 *   players, which cannot add headers to every request. The signature binds
 *   channel, resource (vod, clip, recordings, live, one segment), the range
 *   (for range resources) and the expiry, under SIGNING_SECRET. A token in
 *   the query string (`?token=`) is deliberately not accepted: URLs end up in
 *   logs and browser histories, and a leaked signed URL expires.
 * - PUBLIC_PLAYBACK=true: reads need nothing.
 */

/** What a signed URL may open. Range resources carry the exact range; a segment its key name. */
export type SignedScope =
  | { channel: string; resource: "vod" | "clip" | "recordings"; startMs: number; endMs: number }
  | { channel: string; resource: "live" }
  | { channel: string; resource: "segment"; name: string };

/** How a request was let in. */
export type Access =
  | { kind: "public" }
  | { kind: "token" }
  | { kind: "signed"; expSeconds: number; sig: string };

/** The signature (base64url) of a scope and expiry. */
export function signScope(key: Buffer, scope: SignedScope, expSeconds: number): string {
  return createHmac("sha256", key).update(scopeMessage(scope, expSeconds)).digest("base64url");
}

/** Query parameters (`exp`, `sig`) that let a player open `scope` until `expSeconds`. */
export function signedQuery(key: Buffer, scope: SignedScope, expSeconds: number): string {
  return `exp=${expSeconds}&sig=${signScope(key, scope, expSeconds)}`;
}

function scopeMessage(scope: SignedScope, expSeconds: number): string {
  const detail =
    scope.resource === "segment"
      ? scope.name
      : scope.resource === "live"
        ? ""
        : `${scope.startMs}-${scope.endMs}`;
  return `kiroku-playback-v1\n${scope.channel}\n${scope.resource}\n${detail}\n${expSeconds}`;
}

export interface AuthSettings {
  apiToken?: string;
  signingKey?: Buffer;
  publicPlayback: boolean;
}

/**
 * Decides how a read request gets in, from its Authorization header and query.
 * Throws 401 when credentials are missing or wrong. A signature is only
 * checked for shape and expiry here; `authorizeScope` checks it against the
 * resource once the handler knows the channel and range.
 */
export function authenticateRead(
  settings: AuthSettings,
  header: string | undefined,
  query: (name: string) => string | undefined,
  nowMs: number,
): Access {
  if (header !== undefined) {
    checkBearer(settings, header);
    return { kind: "token" };
  }
  const sig = query("sig");
  const exp = query("exp");
  if (sig !== undefined || exp !== undefined) {
    if (!settings.signingKey) {
      throw new KirokuError(
        "SIGNED_URLS_DISABLED",
        "signed URLs are not enabled on this server (set SIGNING_SECRET or API_TOKEN)",
        401,
      );
    }
    if (sig === undefined || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
      throw new KirokuError(
        "INVALID_SIGNATURE",
        "sig is missing or malformed: use the signed URL exactly as issued",
        403,
      );
    }
    if (exp === undefined || !/^\d{1,12}$/.test(exp)) {
      throw new KirokuError(
        "INVALID_SIGNATURE",
        "exp is missing or not a Unix time in seconds: use the signed URL exactly as issued",
        403,
      );
    }
    const expSeconds = Number(exp);
    if (expSeconds * 1000 < nowMs) {
      throw new KirokuError(
        "SIGNATURE_EXPIRED",
        `this signed URL expired at ${new Date(expSeconds * 1000).toISOString()}: ask for a new one`,
        403,
      );
    }
    return { kind: "signed", expSeconds, sig };
  }
  if (settings.publicPlayback) return { kind: "public" };
  throw new KirokuError(
    "AUTH_REQUIRED",
    "authentication required: send Authorization: Bearer <API_TOKEN>, or use a signed playback URL",
    401,
  );
}

/** Throws 401 unless the header is `Bearer <API_TOKEN>` (constant-time comparison). Write routes use this alone. */
export function checkBearer(settings: AuthSettings, header: string | undefined): void {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) {
    throw new KirokuError(
      header === undefined ? "AUTH_REQUIRED" : "INVALID_TOKEN",
      "send Authorization: Bearer <API_TOKEN>",
      401,
    );
  }
  if (!settings.apiToken || !timingSafeEqual(sha256(m[1]!), tokenDigest(settings.apiToken))) {
    throw new KirokuError("INVALID_TOKEN", "the bearer token is not valid for this server", 401);
  }
}

/** For signed access, throws 403 unless the signature covers exactly this scope. */
export function authorizeScope(settings: AuthSettings, access: Access, scope: SignedScope): void {
  if (access.kind !== "signed") return;
  const expected = signScope(settings.signingKey!, scope, access.expSeconds);
  if (!safeEqual(access.sig, expected)) {
    throw new KirokuError(
      "INVALID_SIGNATURE",
      "the signature does not match this channel, resource, range and expiry: use the signed URL exactly as issued",
      403,
    );
  }
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

// The one-shot form: no Hash object per call (a bearer request pays one).
const sha256 = (s: string) => hash("sha256", s, "buffer");

// The API token's digest, made once: every bearer request compares against it.
let token: { value: string; digest: Buffer } | undefined;
function tokenDigest(value: string): Buffer {
  if (token?.value !== value) token = { value, digest: sha256(value) };
  return token.digest;
}
