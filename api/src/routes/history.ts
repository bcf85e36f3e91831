import { ValidationError } from "@kiroku/shared";
import type { Handler } from "hono";
import { refuseSigned } from "../access/admin-auth";
import { type ApiDeps, type ApiEnv, accessOf, channelParam } from "../access/context";
import { redactText } from "../channels/channel-state";
import { listRuns } from "../channels/channel-store";

export const HISTORY_DEFAULT_LIMIT = 10;
export const HISTORY_MAX_LIMIT = 100;

/**
 * `GET /v1/channels/:ch/history?limit` (OSS GetLiveChannelHistory): the
 * latest recording runs, newest first (default 10, at most 100). Run keys
 * carry an inverted start time, so this is one listing of `limit` keys and
 * `limit` small GETs, however long the channel's history. With
 * PUBLIC_PLAYBACK, readers without the token do not see `remoteAddress`.
 */
export function historyHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const limit = parseLimit(c.req.query("limit"));
    const access = accessOf(c);
    refuseSigned(access, "channel history");
    // A publisher's IP address is for operators (the bearer), not for a public API's viewers.
    const showAddresses = access.kind === "token";
    const runs = await listRuns(deps, channel, limit, c.req.raw.signal);
    c.header("Cache-Control", "private, no-cache");
    return c.json({
      channel,
      limit,
      runs: runs.map((r) => ({
        run: r.run,
        start: r.startedAt,
        end: r.endedAt,
        endReason: r.endReason,
        duration:
          r.endedAt && Number.isFinite(Date.parse(r.endedAt) - Date.parse(r.startedAt))
            ? (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000
            : null,
        source: redactText(r.source),
        remoteAddress: showAddresses ? (r.remoteAddress ?? null) : null,
        media: r.media ?? null,
        hostname: r.hostname,
        recorderVersion: r.recorderVersion,
      })),
    });
  };
}

/** `limit`: a whole number from 1 to 100 (400 naming `limit` otherwise). */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return HISTORY_DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > HISTORY_MAX_LIMIT) {
    throw new ValidationError(
      "limit",
      `limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return Number(text);
}
