import type { Handler } from "hono";
import { refuseSigned } from "../access/admin-auth";
import { type ApiDeps, type ApiEnv, accessOf, channelParam } from "../access/context";
import { statJson } from "../channels/channel-state";
import { getSettings, getStatus } from "../channels/channel-store";

/**
 * `GET /v1/channels/:ch/stat` (OSS GetLiveChannelStat): Live, Idle or
 * Disabled from the settings and the recorder's heartbeat (see
 * `channelState`), with since, source (redacted), video and audio, last
 * segment, upload backlog and last error. Two GETs, no listing. A channel
 * nothing is known of is Idle, not 404: a camera about to be installed is idle.
 */
export function statHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    refuseSigned(accessOf(c), "channel status");
    const [settings, status] = await Promise.all([
      getSettings(deps, channel, c.req.raw.signal),
      getStatus(deps, channel, c.req.raw.signal),
    ]);
    c.header("Cache-Control", "private, no-cache");
    return c.json(statJson(channel, settings, status, deps.now()));
  };
}
