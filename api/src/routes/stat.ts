import { refuseSigned } from "../access/admin-auth";
import { accessOf } from "../access/context";
import { isPublicAccess, publicStat } from "../access/public-view";
import { statJson } from "../channels/channel-state";
import { getSettings, getStatus } from "../channels/channel-store";
import { StatSchema } from "./channel-schemas";
import { channelParams, json } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /v1/channels/:ch/stat` (OSS GetLiveChannelStat): Live, Idle or
 * Disabled from the settings and the recorder's heartbeat (see
 * `channelState`), with since, source (redacted), video and audio, last
 * segment, upload backlog and last error. Two GETs, no listing. A channel
 * nothing is known of is Idle, not 404: a camera about to be installed is idle.
 */
export const statRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/stat",
    operationId: "getChannelStat",
    tag: "channels",
    summary: "Live state and the recorder's heartbeat",
    description:
      "A channel nothing is known of is Idle, not 404. Without credentials (PUBLIC_PLAYBACK) only `channel`, `state` and `since`.",
    access: "metadata",
    storage: true,
    params: channelParams,
    responses: { "200": json("The stat.", StatSchema) },
  }),
  (deps) =>
    async (c, { params }) => {
      const channel = params.ch;
      const access = accessOf(c);
      refuseSigned(access, "channel status");
      const [settings, status] = await Promise.all([
        getSettings(deps, channel, c.req.raw.signal),
        getStatus(deps, channel, c.req.raw.signal),
      ]);
      c.header("Cache-Control", "private, no-cache");
      const stat = statJson(channel, settings, status, deps.now());
      return c.json(isPublicAccess(access) ? publicStat(stat) : stat);
    },
);
