import { z } from "@hono/zod-openapi";
import { formatTime, NotFoundError } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { type ApiDeps, accessOf, rangeIsOver } from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { API_DEFAULTS } from "../api-defaults";
import { EncodedBody } from "../http/compressed-body";
import { etagOf, immutableCacheControl, shortCacheControl } from "../http/http-cache";
import type { CachedPlaylist } from "../http/playlist-cache";
import { SingleFlight } from "../http/single-flight";
import { rangeQuery } from "../http/time-range";
import { listRangeShared } from "../playlists/indexed-range";
import { playlistEntry, renderRangePlaylist } from "../playlists/m3u8";
import { settledBefore } from "../playlists/upload-backlog";
import { channelParams, problem, ref, text } from "./common-schemas";
import { apiRoute } from "./endpoint";
import { cachedVodAnswersOf, M3U8_TYPE, playlistAnswer, vodCacheKey } from "./vod-cached-answers";

/** `If-None-Match`, as the document shows it: an ETag from an earlier answer. */
export const IF_NONE_MATCH = z.object({
  "If-None-Match": z
    .string()
    .optional()
    .openapi({ description: "An ETag from an earlier answer: 304 when unchanged." }),
});

/**
 * `GET /v1/channels/:ch/vod.m3u8?start&end|duration`: every segment
 * overlapping the range (the one holding `start` included), starting playback
 * at `start` exactly. A range that is over (its end plus the settle time for
 * the last upload has passed) is a VOD playlist, cached and immutable once
 * the recorder's heartbeat says no upload for it is still on its way (see
 * upload-backlog.ts; until then it is served fresh on every request). One
 * reaching into the future is a growing EVENT playlist (live replay).
 */
export const vodRoute = apiRoute(
  (limits) => ({
    method: "get",
    path: "/v1/channels/{ch}/vod.m3u8",
    operationId: "getRangePlaylist",
    tag: "playback",
    summary: "Range playlist",
    description:
      "Every segment overlapping the range, playback starting at `start`. A finished range is a VOD playlist (with ETag), cached as immutable once the recorder's heartbeat says no upload for it is still on its way; one reaching into the future a growing EVENT playlist.",
    access: "playback",
    storage: true,
    params: channelParams,
    query: rangeQuery(limits.maxRangeHours),
    headers: IF_NONE_MATCH,
    responses: {
      "200": text("HLS playlist.", M3U8_TYPE, { ETag: ref("headers", "ETag") }),
      "304": ref("responses", "NotModified"),
      "404": problem("NO_SEGMENTS: the range holds no segment."),
    },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { range } = query;
      const access = accessOf(c);
      authorizeScope(deps.config, access, { channel, resource: "vod", ...range });
      const now = deps.now();
      const over = rangeIsOver(deps.config, range.endMs, now);
      const finished = over && (await settledBefore(deps, channel, range.endMs, c.req.raw.signal));
      const policy = urlPolicy(deps.config, access, now);
      const shared = deps.config.publicPlayback;
      const cacheKey = vodCacheKey(channel, range, policy);
      const hit = finished ? deps.cache.get(cacheKey) : undefined;
      // One build per playlist at a time; the listing under it is shared
      // apart from the signing (a new signing slot re-signs the kept listing).
      const playlist =
        hit ??
        (await buildsOf(deps).run(`${cacheKey}|${finished}|${over}`, async () => {
          const segments = await listRangeShared(deps, channel, range, finished);
          if (segments.length === 0) {
            throw new NotFoundError(
              "NO_SEGMENTS",
              `no segments of channel ${channel} between ${formatTime(range.startMs)} and ${formatTime(range.endMs)}`,
            );
          }
          const uri = await deps.urls.builder(channel, policy);
          const text = renderRangePlaylist({
            entries: segments.map((s) => playlistEntry(s, uri(s))),
            requestedStartMs: range.startMs,
            type: over ? "VOD" : "EVENT",
            gapToleranceMs: API_DEFAULTS.GAP_TOLERANCE_MS,
          });
          const body = EncodedBody.of(text);
          const built = { body, etag: etagOf(body.bytes) };
          if (finished) deps.cache.set(cacheKey, built);
          return built;
        }));
      if (finished) {
        // The next request for this exact URL can be answered from the cache
        // without the app (node.ts); every check above is taken again there.
        cachedVodAnswersOf(deps).remember(c.req.url, {
          channel,
          range,
          query: { sig: c.req.query("sig"), exp: c.req.query("exp") },
        });
      }
      // Bytes as they are kept: no re-encoding, compressed once per coding.
      const answer = playlistAnswer(
        playlist,
        finished
          ? immutableCacheControl(shared, policy.cacheUntilMs, now)
          : shortCacheControl(shared),
        {
          ifNoneMatch: c.req.header("If-None-Match"),
          acceptEncoding: c.req.header("Accept-Encoding"),
        },
      );
      for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
      if (!answer.bytes) return c.body(null, 304);
      return c.body(answer.bytes as Uint8Array<ArrayBuffer>);
    },
);

// Builds in flight per app (each test's app has its own): no global state.
const builds = new WeakMap<ApiDeps, SingleFlight<CachedPlaylist>>();

function buildsOf(deps: ApiDeps): SingleFlight<CachedPlaylist> {
  let flight = builds.get(deps);
  if (!flight) {
    flight = new SingleFlight();
    builds.set(deps, flight);
  }
  return flight;
}
