import { type Access, authenticateRead, authorizeScope } from "../access/auth";
import { type ApiDeps, rangeIsOver } from "../access/context";
import { type UrlPolicy, urlPolicy } from "../access/segment-urls";
import { immutableCacheControl, matchesIfNoneMatch } from "../http/http-cache";
import type { CachedPlaylist } from "../http/playlist-cache";
import type { TimeRange } from "../http/time-range";
import { settledBeforeFromCache } from "../playlists/upload-backlog";

export const M3U8_TYPE = "application/vnd.apple.mpegurl";

/** The playlist cache's key of a range playlist: its channel, range and the signing slot of its URLs. */
export function vodCacheKey(channel: string, range: TimeRange, policy: UrlPolicy): string {
  return `${channel}|${range.startMs}|${range.endMs}|${policy.cacheTag}`;
}

/** A playlist answer as status, headers and bytes, for Hono's context and for a bare `node:http` response alike. */
export interface PlaylistAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  /** Undefined for 304. */
  bytes?: Uint8Array;
}

/**
 * The answer to a playlist request: 304 when `If-None-Match` matches its
 * ETag, else its bytes in the coding `Accept-Encoding` asks for (compressed
 * once per coding, kept with the playlist).
 */
export function playlistAnswer(
  playlist: CachedPlaylist,
  cacheControl: string,
  request: { ifNoneMatch: string | undefined; acceptEncoding: string | undefined },
): PlaylistAnswer {
  const headers: Record<string, string> = {
    "Cache-Control": cacheControl,
    ETag: playlist.etag,
    Vary: "Accept-Encoding",
  };
  if (matchesIfNoneMatch(request.ifNoneMatch, playlist.etag)) return { status: 304, headers };
  headers["Content-Type"] = M3U8_TYPE;
  const sent = playlist.body.for(request.acceptEncoding);
  if (sent.coding) headers["Content-Encoding"] = sent.coding;
  return { status: 200, headers, bytes: sent.bytes };
}

/** What a request to answer from the cache carries, read from a bare `node:http` request. */
export interface CachedVodRequest {
  /** The full URL as the app sees it (`c.req.url`): scheme, Host, path and query. */
  url: string;
  /** By lower-case name, as `node:http` parses them (a repeated header: its first value, or joined). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A request header's value; undefined when absent (or a list, which no header read here is). */
export function headerOf(req: CachedVodRequest, lowerCaseName: string): string | undefined {
  const value = req.headers[lowerCaseName];
  return typeof value === "string" ? value : undefined;
}

/** What the route learnt from a URL it answered from the cache: its parsed path and query. */
interface KnownUrl {
  channel: string;
  range: TimeRange;
  /** `sig` and `exp` as the app read them from the query (a signed URL), else undefined. */
  query: { sig?: string; exp?: string };
}

/** A known URL with its query as `authenticateRead` asks for it (made once, not per request). */
interface Known extends KnownUrl {
  param(name: string): string | undefined;
}

/** URLs remembered per app; past this many the memory starts over (each costs one trip through the app to relearn). */
const MAX_URLS = 10_000;

/**
 * Finished range playlists answered straight from the playlist cache, for
 * the Node server to send without running the app: once the route has
 * answered a URL from the cache, it remembers what it parsed from that URL,
 * and the next request for the exact same URL skips routing, the query
 * schema and the middleware, which cost more than sending half a megabyte.
 *
 * Every decision that depends on the request or the clock is taken again on
 * each request, with the route's own functions: authentication and the
 * signed scope, whether the range is over, whether the heartbeat says it is
 * settled (only from the metadata cache: a read of S3 is the app's job), the
 * signing slot, and the cache entry itself (so a dropped or evicted playlist
 * goes back through the app). Anything not answerable here (an error, a
 * miss, a heartbeat to read) returns undefined, and the app answers.
 */
export class CachedVodAnswers {
  readonly #urls = new Map<string, Known>();

  constructor(private readonly deps: ApiDeps) {}

  /** Called by the route after it answered `url` from a finished, cached playlist. */
  remember(url: string, known: KnownUrl): void {
    if (this.#urls.has(url)) return;
    if (this.#urls.size >= MAX_URLS) this.#urls.clear();
    const { sig, exp } = known.query;
    this.#urls.set(url, {
      ...known,
      param: (name) => (name === "sig" ? sig : name === "exp" ? exp : undefined),
    });
  }

  /** The route's answer to `req` from the cache, or undefined when only the app can answer it. */
  answer(req: CachedVodRequest): PlaylistAnswer | undefined {
    const known = this.#urls.get(req.url);
    if (!known) return undefined;
    const { deps } = this;
    const { config } = deps;
    const { channel, range } = known;
    const now = deps.now();
    let access: Access;
    try {
      access = authenticateRead(config, headerOf(req, "authorization"), known.param, now);
      authorizeScope(config, access, { channel, resource: "vod", ...range });
    } catch {
      return undefined; // the app answers the refusal
    }
    if (!rangeIsOver(config, range.endMs, now)) return undefined;
    if (settledBeforeFromCache(deps, channel, range.endMs) !== true) return undefined;
    const policy = urlPolicy(config, access, now);
    const hit = deps.cache.get(vodCacheKey(channel, range, policy));
    if (!hit) return undefined;
    return playlistAnswer(
      hit,
      immutableCacheControl(config.publicPlayback, policy.cacheUntilMs, now),
      {
        ifNoneMatch: headerOf(req, "if-none-match"),
        acceptEncoding: headerOf(req, "accept-encoding"),
      },
    );
  }
}

// One per app (each test's app has its own): no global state.
const answers = new WeakMap<ApiDeps, CachedVodAnswers>();

/** The app's cached range playlist answers. */
export function cachedVodAnswersOf(deps: ApiDeps): CachedVodAnswers {
  let a = answers.get(deps);
  if (!a) {
    a = new CachedVodAnswers(deps);
    answers.set(deps, a);
  }
  return a;
}
