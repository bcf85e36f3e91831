import { DEFAULTS, NotFoundError } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { accessOf, listRecentShared } from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { liveWindowOf } from "../channels/settings-cache";
import { etagOf, liveCacheControl, matchesIfNoneMatch } from "../http/http-cache";
import { liveHoleGraceMs, liveListingRange, selectLiveWindow } from "../playlists/live-window";
import { renderLivePlaylist } from "../playlists/m3u8";
import { channelParams, problem, ref, text } from "./common-schemas";
import { apiRoute } from "./endpoint";
import { IF_NONE_MATCH, M3U8_TYPE } from "./vod";

/**
 * `GET /v1/channels/:ch/live.m3u8`: the newest LIVE_WINDOW segments (the
 * channel's `liveWindow` setting when it has one, read through a 5 s cache; see
 * `selectLiveWindow` for why every segment keeps its media and discontinuity
 * sequence numbers across reloads). Lists only the recent keys: about three
 * windows of target durations back from now, never the channel's history.
 * 404 NOT_LIVE when nothing ended within the last three target durations, or
 * while a run that started after idle waits out the hole grace.
 */
export const liveRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/live.m3u8",
    operationId: "getLivePlaylist",
    tag: "playback",
    summary: "Live playlist",
    description: `The newest LIVE_WINDOW segments (default ${DEFAULTS.LIVE_WINDOW}, or the channel's \`liveWindow\`).`,
    access: "playback",
    storage: true,
    params: channelParams,
    headers: IF_NONE_MATCH,
    responses: {
      "200": text("HLS playlist (sliding window).", M3U8_TYPE, { ETag: ref("headers", "ETag") }),
      "304": ref("responses", "NotModified"),
      "404": problem(
        "NOT_LIVE: no segment ended within three segment durations, or a new run is still waiting for earlier uploads.",
      ),
    },
  }),
  (deps) =>
    async (c, { params }) => {
      const channel = params.ch;
      const access = accessOf(c);
      authorizeScope(deps.config, access, { channel, resource: "live" });
      const now = deps.now();
      const td = deps.config.targetDuration * 1000;
      const windowSize = await liveWindowOf(deps, channel, c.req.raw.signal);
      const holeGraceMs = liveHoleGraceMs(deps.config.targetDuration);
      const range = liveListingRange(now, deps.config.targetDuration, windowSize);
      // One listing per channel shared by every viewer, at most one per listing refresh.
      const segments = await listRecentShared(deps, channel, range);
      let newestEnd = -Infinity;
      for (const s of segments) newestEnd = Math.max(newestEnd, s.startMs + s.durationMs);
      if (newestEnd < now - 3 * td) {
        throw new NotFoundError(
          "NOT_LIVE",
          `channel ${channel} is not live: no segment ended in the last ${3 * deps.config.targetDuration} s`,
        );
      }
      const window = selectLiveWindow(segments, windowSize, now, holeGraceMs);
      if (window.length === 0) {
        // A run starting after idle: its first segments wait out the grace in
        // case an earlier segment is still uploading (see selectLiveWindow).
        throw new NotFoundError(
          "NOT_LIVE",
          `channel ${channel} is starting: live begins once its first segment has waited ${holeGraceMs / 1000} s for earlier uploads`,
        );
      }
      const uri = await deps.urls.builder(channel, urlPolicy(deps.config, access, now));
      const body = renderLivePlaylist({
        entries: window.map((s) => ({ ...s, uri: uri(s) })),
        targetDurationSeconds: deps.config.targetDuration,
      });
      const etag = etagOf(body);
      c.header(
        "Cache-Control",
        liveCacheControl({
          publicPlayback: deps.config.publicPlayback,
          signedUrl: access.kind === "signed",
          cdnMaxAge: deps.config.liveCdnMaxAge,
        }),
      );
      c.header("ETag", etag);
      if (matchesIfNoneMatch(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
      c.header("Content-Type", M3U8_TYPE);
      return c.body(body);
    },
);
