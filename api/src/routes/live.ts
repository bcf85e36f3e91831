import { DEFAULTS, NotFoundError } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { accessOf, listRecentShared } from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { API_DEFAULTS } from "../api-defaults";
import { liveSettingsOf } from "../channels/settings-cache";
import { etagOf, liveCacheControl, matchesIfNoneMatch } from "../http/http-cache";
import { type LivePolicy, liveTargetDuration, resolveLive } from "../playlists/live-hold";
import { playlistEntry, renderLivePlaylist } from "../playlists/m3u8";
import { channelParams, problem, ref, text } from "./common-schemas";
import { apiRoute } from "./endpoint";
import { IF_NONE_MATCH } from "./vod";
import { M3U8_TYPE } from "./vod-cached-answers";

/**
 * `GET /v1/channels/:ch/live.m3u8`: the newest segments, at least
 * LIVE_WINDOW (the channel's `liveWindow` setting when it has one, read
 * through a short cache) and at least three target durations of media, with
 * a constant EXT-X-TARGETDURATION (see `playlists/live-hold.ts` for the
 * lifecycle and `selectLiveWindow` for why every segment keeps its media and
 * discontinuity sequence numbers across reloads). While the channel records
 * it lists only the recent keys; while it pauses it lists back to the idle
 * limit, so the last window keeps being served (200) until the next run
 * continues it or the playlist ends (EXT-X-ENDLIST: disabled, or idle longer
 * than LIVE_IDLE_LIMIT). 404 NOT_LIVE for a channel with nothing recorded
 * within the idle limit, or a run after longer idle waiting out the hole grace.
 */
export const liveRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/live.m3u8",
    operationId: "getLivePlaylist",
    tag: "playback",
    summary: "Live playlist",
    description: `The newest LIVE_WINDOW segments (default ${DEFAULTS.LIVE_WINDOW}, or the channel's \`liveWindow\`), at least three target durations. Keeps serving the last window while the recorder pauses; ends with EXT-X-ENDLIST when the channel is disabled or idle longer than LIVE_IDLE_LIMIT (default ${API_DEFAULTS.LIVE_IDLE_LIMIT_SECONDS} s).`,
    access: "playback",
    storage: true,
    params: channelParams,
    headers: IF_NONE_MATCH,
    responses: {
      "200": text(
        "HLS playlist (sliding window; ends with EXT-X-ENDLIST once the channel is disabled or idle past LIVE_IDLE_LIMIT).",
        M3U8_TYPE,
        { ETag: ref("headers", "ETag") },
      ),
      "304": ref("responses", "NotModified"),
      "404": problem(
        "NOT_LIVE: nothing was recorded within LIVE_IDLE_LIMIT (plus the end grace), or a run after longer idle is still waiting for earlier uploads.",
      ),
    },
  }),
  (deps) =>
    async (c, { params }) => {
      const channel = params.ch;
      const access = accessOf(c);
      authorizeScope(deps.config, access, { channel, resource: "live" });
      const now = deps.now();
      const signal = c.req.raw.signal;
      const settings = await liveSettingsOf(deps, channel, signal);
      const policy: LivePolicy = {
        targetDurationSeconds: liveTargetDuration(deps.config.targetDuration),
        windowSize: settings.windowSize,
        idleLimitMs: deps.config.liveIdleLimitSeconds * 1000,
        endGraceMs: API_DEFAULTS.LIVE_END_GRACE_SECONDS * 1000,
        disabled: settings.disabled,
      };
      // Recent keys while the channel records; back to the idle limit only while
      // it pauses, starts or was never live. One listing per channel shared by
      // every viewer, at most one per listing refresh (segment-listings.ts).
      const decision = await resolveLive(
        (range) => listRecentShared(deps, channel, range),
        now,
        policy,
      );
      if (decision.kind === "not-live") {
        throw new NotFoundError("NOT_LIVE", `channel ${channel} ${decision.reason}`);
      }
      const uri = await deps.urls.builder(channel, urlPolicy(deps.config, access, now));
      const body = renderLivePlaylist({
        entries: decision.window.map((s) => playlistEntry(s, uri(s))),
        targetDurationSeconds: policy.targetDurationSeconds,
        ended: decision.kind === "ended",
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
