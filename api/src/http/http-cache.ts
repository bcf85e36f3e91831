import { createHash } from "node:crypto";

/** A strong ETag of a response body (hash the bytes when they are at hand: a string is encoded again). */
export function etagOf(body: string | Uint8Array): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
}

/** True when an If-None-Match header matches `etag` (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, "");
  return header
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || t.replace(/^W\//, "") === bare);
}

/**
 * Cache-Control for a finished (past) playlist: immutable while its segment
 * URLs stay good, `public` only when reads need no credentials. A segment
 * never changes: `cacheUntilMs` Infinity, a year.
 */
export function immutableCacheControl(
  shared: boolean,
  cacheUntilMs: number,
  nowMs: number,
): string {
  const scope = shared ? "public" : "private";
  if (cacheUntilMs === Infinity) return `${scope}, max-age=31536000, immutable`;
  const maxAge = Math.max(0, Math.floor((cacheUntilMs - nowMs) / 1000));
  return `${scope}, max-age=${maxAge}, immutable`;
}

/** Cache-Control for playlists that change (live, growing EVENT): about a second. */
export function shortCacheControl(shared: boolean): string {
  return `${shared ? "public" : "private"}, max-age=1`;
}

/**
 * Cache-Control of a live playlist. A signed session URL is a capability
 * anyone holding it may use, so in CDN mode (`cdnMaxAge` > 0) its answer is
 * `public` for a second or two: a CDN keyed on the full URL then serves one
 * object to every viewer of that session, and the API sees one request per
 * channel per max-age. With PUBLIC_PLAYBACK every answer may be shared.
 */
export function liveCacheControl(opts: {
  publicPlayback: boolean;
  signedUrl: boolean;
  cdnMaxAge: number;
}): string {
  if (opts.cdnMaxAge > 0 && (opts.publicPlayback || opts.signedUrl))
    return `public, max-age=${opts.cdnMaxAge}`;
  return shortCacheControl(opts.publicPlayback);
}
