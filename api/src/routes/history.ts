import { z } from "@hono/zod-openapi";
import { describeInput } from "@kiroku/shared";
import { refuseSigned } from "../access/admin-auth";
import { accessOf } from "../access/context";
import { refusePublic } from "../access/public-view";
import { redactText } from "../channels/channel-state";
import { listRuns } from "../channels/channel-store";
import { channelParams, json, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";

export const HISTORY_DEFAULT_LIMIT = 10;
export const HISTORY_MAX_LIMIT = 100;

/**
 * `GET /v1/channels/:ch/history?limit` (OSS GetLiveChannelHistory): the
 * latest recording runs, newest first (default 10, at most 100). Run keys
 * carry an inverted start time, so this is one listing of `limit` keys and
 * `limit` small GETs, however long the channel's history. With
 * PUBLIC_PLAYBACK, readers without the token do not see `remoteAddress`.
 */
export const historyRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/history",
    operationId: "getChannelHistory",
    tag: "channels",
    summary: "Latest recording runs, newest first",
    access: "metadata",
    storage: true,
    params: channelParams,
    query: z.object({ limit: limitParam }),
    responses: { "200": json("The runs.", HistorySchema) },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { limit } = query;
      const access = accessOf(c);
      refuseSigned(access, "channel history");
      refusePublic(access, "the channel history");
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
          endDetail: r.endDetail ?? null,
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
    },
);

const badLimit = (issue: { input?: unknown }) =>
  `limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}, got ${describeInput(issue.input)}`;

/** `limit`: a whole number from 1 to HISTORY_MAX_LIMIT written in digits (400 naming `limit` otherwise). */
const limitParam = z
  .string()
  .regex(/^\d{1,4}$/, { error: badLimit })
  .refine((text) => Number(text) >= 1 && Number(text) <= HISTORY_MAX_LIMIT, { error: badLimit })
  .transform(Number)
  .optional()
  .transform((limit) => limit ?? HISTORY_DEFAULT_LIMIT)
  .openapi({
    description: `Runs to return: a whole number from 1 to ${HISTORY_MAX_LIMIT} (default ${HISTORY_DEFAULT_LIMIT}).`,
    example: String(HISTORY_DEFAULT_LIMIT),
  });

const HistorySchema = z
  .object({
    channel: z.string(),
    limit: z.int(),
    runs: z.array(
      z.object({
        run: z.int(),
        start: Time,
        end: Time.nullable(),
        endReason: z.string().nullable().openapi({
          description:
            "One word: shutdown, disabled, source-lost, ffmpeg-error, stall, clock-change, re-anchored, unknown; null while running.",
        }),
        endDetail: z.string().nullable().openapi({
          description:
            "The particulars of the end (ffmpeg's exit and last line, a drift), when any.",
        }),
        duration: z.number().nullable().openapi({ description: "Seconds; null while running." }),
        source: z.string().openapi({ description: "Redacted." }),
        remoteAddress: z.string().nullable().openapi({
          description: "The publisher's address (RTMP); null for readers without the token.",
        }),
        media: z.object({}).passthrough().nullable(),
        hostname: z.string(),
        recorderVersion: z.string(),
      }),
    ),
  })
  .openapi("History");
