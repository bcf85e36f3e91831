import { formatTime, NotFoundError } from "@kiroku/shared";
import type { Handler } from "hono";
import { authorizeScope } from "../access/auth";
import {
  type ApiDeps,
  type ApiEnv,
  accessOf,
  channelParam,
  listRange,
  rangeIsOver,
} from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { API_DEFAULTS } from "../api-defaults";
import {
  etagOf,
  immutableCacheControl,
  matchesIfNoneMatch,
  shortCacheControl,
} from "../http/http-cache";
import { parseRangeQuery } from "../http/time-range";
import { renderRangePlaylist } from "../playlists/m3u8";
import { settledBefore } from "../playlists/upload-backlog";

export const M3U8_TYPE = "application/vnd.apple.mpegurl";

/**
 * `GET /v1/channels/:ch/vod.m3u8?start&end|duration`: every segment
 * overlapping the range (the one holding `start` included), starting playback
 * at `start` exactly. A range that is over (its end plus the settle time for
 * the last upload has passed) is a VOD playlist, cached and immutable once
 * the recorder's heartbeat says no upload for it is still on its way (see
 * upload-backlog.ts; until then it is served fresh on every request). One
 * reaching into the future is a growing EVENT playlist (live replay).
 */
export function vodHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const range = parseRangeQuery((n) => c.req.query(n), deps.config.maxRangeHours);
    const access = accessOf(c);
    authorizeScope(deps.config, access, { channel, resource: "vod", ...range });
    const now = deps.now();
    const over = rangeIsOver(deps.config, range.endMs, now);
    const finished = over && (await settledBefore(deps, channel, range.endMs, c.req.raw.signal));
    const policy = urlPolicy(deps.config, access, now);
    const shared = deps.config.publicPlayback;
    const cacheKey = `${channel}|${range.startMs}|${range.endMs}|${policy.cacheTag}`;
    const hit = finished ? deps.cache.get(cacheKey) : undefined;
    let body: string;
    let etag: string;
    if (hit) {
      ({ body, etag } = hit);
    } else {
      const segments = await listRange(deps, channel, range, c.req.raw.signal);
      if (segments.length === 0) {
        throw new NotFoundError(
          "NO_SEGMENTS",
          `no segments of channel ${channel} between ${formatTime(range.startMs)} and ${formatTime(range.endMs)}`,
        );
      }
      const uri = await deps.urls.builder(channel, policy);
      body = renderRangePlaylist({
        entries: segments.map((s) => ({ ...s, uri: uri(s) })),
        requestedStartMs: range.startMs,
        type: over ? "VOD" : "EVENT",
        gapToleranceMs: API_DEFAULTS.GAP_TOLERANCE_MS,
      });
      etag = etagOf(body);
      if (finished) deps.cache.set(cacheKey, { body, etag });
    }
    c.header(
      "Cache-Control",
      finished
        ? immutableCacheControl(shared, policy.cacheUntilMs, now)
        : shortCacheControl(shared),
    );
    c.header("ETag", etag);
    if (matchesIfNoneMatch(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
    c.header("Content-Type", M3U8_TYPE);
    return c.body(body);
  };
}
