import { z } from "@hono/zod-openapi";
import {
  CHANNEL_SETTINGS_INPUT_FIELDS,
  CHANNEL_SETTINGS_SCHEMA,
  type ChannelSettings,
  type ChannelStatus,
  channelPrefix,
  DESCRIPTION_MAX_BYTES,
  dayIndexPrefix,
  describeInput,
  formatTime,
  mapLimit,
  NotFoundError,
  writeChannelSettings,
} from "@kiroku/shared";
import { refuseSigned } from "../access/admin-auth";
import { type ApiDeps, accessOf } from "../access/context";
import { isPublicAccess, publicChannel } from "../access/public-view";
import { channelMeta, readChannelDirectory } from "../channels/channel-directory";
import { channelState, type SegmentProof, safeTime, statJson } from "../channels/channel-state";
import {
  deleteKeys,
  getSettings,
  getStatus,
  hasRecordings,
  listKeys,
  META_READ_CONCURRENCY,
  metaFolder,
} from "../channels/channel-store";
import { rememberSettings } from "../channels/settings-cache";
import { jsonObject } from "../http/json-body";
import { queryFlag } from "../http/query-flag";
import { toStorageError } from "../http/storage-error";
import { segmentProof } from "../playlists/segment-proof";
import {
  ChannelSummarySchema,
  SettingsSchema,
  StatSchema,
  StoredSettingsSchema,
} from "./channel-schemas";
import { channelParams, json, problem } from "./common-schemas";
import { DeleteFailures } from "./delete-recordings";
import { apiRoute } from "./endpoint";

/** Objects a purge deletes per request (10 DeleteObjects calls); `complete: false` says to call again. */
export const PURGE_MAX_KEYS = 10_000;

/**
 * The settings body of `PUT /v1/channels/:ch`: the fields and messages of
 * `@kiroku/shared`'s settings (the recorder reads what this writes), every
 * unknown field named at once; fields left out get their defaults.
 */
const settingsInput = jsonObject(
  {
    // Built in @kiroku/shared before `.openapi()` exists: described with zod's own methods.
    description: CHANNEL_SETTINGS_INPUT_FIELDS.description
      .default("")
      .describe(`At most ${DESCRIPTION_MAX_BYTES} bytes of UTF-8.`),
    status: CHANNEL_SETTINGS_INPUT_FIELDS.status.default("enabled"),
    liveWindow: CHANNEL_SETTINGS_INPUT_FIELDS.liveWindow.describe(
      "Segments in this channel's live playlist; left out: LIVE_WINDOW.",
    ),
  },
  {
    unknownMessage: (keys) =>
      `unknown field ${keys
        .slice(0, 5)
        .map((k) => describeInput(k, 64))
        .join(", ")}: allowed are description, status and liveWindow`,
  },
)
  .openapi("ChannelSettingsInput")
  .transform(({ description, status, liveWindow }) => ({
    description,
    status,
    ...(liveWindow === undefined ? {} : { liveWindow }),
  }));

const SETTINGS_SAVED = {
  "200": json("Replaced.", SettingsSchema),
  "201": json("Created.", SettingsSchema),
};
const CHANNEL_NOT_FOUND = problem(
  "CHANNEL_NOT_FOUND: nothing of the channel exists (no settings, status or recordings).",
);

const ChannelListSchema = z
  .object({ channels: z.array(ChannelSummarySchema), truncated: z.literal(true).optional() })
  .openapi("ChannelList");

const ChannelSchema = ChannelSummarySchema.extend({
  settings: StoredSettingsSchema.nullable(),
  stat: StatSchema,
}).openapi("Channel");

const ChannelDeletedSchema = z
  .object({
    channel: z.string(),
    purge: z.boolean(),
    deleted: z.object({ recordings: z.int(), metadata: z.int() }),
    recordingsKept: z.boolean(),
    complete: z.boolean().openapi({ description: "False: call again to finish the purge." }),
    ...DeleteFailures,
  })
  .openapi("ChannelDeleted");

/**
 * `GET /v1/channels`: every channel, whether it has settings, only
 * recordings, or only a recorder's heartbeat, with its live state. Two
 * delimiter listings find the names and the ETags of their metadata objects
 * (never a segment scan); an object is then read only when this instance has
 * not read it at that ETag (see channel-directory.ts), eight at a time.
 */
export const listChannelsRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels",
    operationId: "listChannels",
    tag: "channels",
    summary: "All channels with their live state",
    description:
      "Channels with settings, a recorder heartbeat or only recordings. Without credentials (PUBLIC_PLAYBACK) each is only `name` and `state`.",
    access: "metadata",
    storage: true,
    responses: { "200": json("The channels, by name.", ChannelListSchema) },
  }),
  (deps) => async (c) => {
    const access = accessOf(c);
    refuseSigned(access, "the channel list");
    const signal = c.req.raw.signal;
    const { meta, withRecordings, truncated } = await readChannelDirectory(deps, signal);
    const names = [...new Set([...meta.keys(), ...withRecordings])].sort();
    const now = deps.now();
    const channels = await mapLimit(names, META_READ_CONCURRENCY, async (name) => {
      const etags = meta.get(name);
      const { settings, status } = etags ? await channelMeta(deps, name, etags, signal) : {};
      const proof = await segmentProof(deps, name, status, now);
      return channelSummary(deps, name, settings, status, withRecordings.has(name), now, proof);
    });
    c.header("Cache-Control", "private, no-cache");
    const shown = isPublicAccess(access) ? channels.map(publicChannel) : channels;
    return c.json({ channels: shown, ...(truncated ? { truncated: true } : {}) });
  },
);

/** `GET /v1/channels/:ch`: settings (stored or default), live state and stat. 404 for a channel nothing is known of. */
export const getChannelRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}",
    operationId: "getChannel",
    tag: "channels",
    summary: "Settings and stat of a channel",
    description: "Without credentials (PUBLIC_PLAYBACK) only `name` and `state`.",
    access: "metadata",
    storage: true,
    params: channelParams,
    responses: { "200": json("The channel.", ChannelSchema), "404": CHANNEL_NOT_FOUND },
  }),
  (deps) =>
    async (c, { params }) => {
      const channel = params.ch;
      const access = accessOf(c);
      refuseSigned(access, "channel settings");
      const signal = c.req.raw.signal;
      const [settings, status, recordings] = await Promise.all([
        getSettings(deps, channel, signal),
        getStatus(deps, channel, signal),
        hasRecordings(deps, channel, signal),
      ]);
      if (!settings && !status && !recordings) {
        throw new NotFoundError(
          "CHANNEL_NOT_FOUND",
          `channel ${channel} has no settings, no recorder status and no recordings: create it with PUT /v1/channels/${channel}`,
        );
      }
      const now = deps.now();
      const proof = await segmentProof(deps, channel, status, now);
      c.header("Cache-Control", "private, no-cache");
      const summary = channelSummary(deps, channel, settings, status, recordings, now, proof);
      if (isPublicAccess(access)) return c.json(publicChannel(summary));
      return c.json({
        ...summary,
        settings: settings ?? null,
        stat: statJson(channel, settings, status, now, proof),
      });
    },
);

/**
 * `PUT /v1/channels/:ch`: creates or replaces the settings (idempotent:
 * fields left out get their defaults, as a PUT should). 201 when created,
 * 200 when replaced; `createdAt` survives replacement.
 */
export const putChannelRoute = apiRoute(
  () => ({
    method: "put",
    path: "/v1/channels/{ch}",
    operationId: "putChannel",
    tag: "channels",
    summary: "Create or replace a channel's settings",
    description: "Replaces the whole object: fields left out get their defaults.",
    access: "admin",
    storage: true,
    params: channelParams,
    body: settingsInput,
    responses: SETTINGS_SAVED,
  }),
  (deps) =>
    async (c, { params, body: input }) => {
      const channel = params.ch;
      const existing = await getSettings(deps, channel, c.req.raw.signal);
      const settings = await saveSettings(deps, channel, existing, input);
      return c.json(settingsJson(deps, settings), existing ? 200 : 201);
    },
);

/** `PUT /v1/channels/:ch/status {"status":"enabled"|"disabled"}`: switches the channel, keeping its other settings. */
export const putChannelStatusRoute = apiRoute(
  () => ({
    method: "put",
    path: "/v1/channels/{ch}/status",
    operationId: "putChannelStatus",
    tag: "channels",
    summary: "Enable or disable a channel",
    description: "Keeps the other settings; the recorder follows within seconds.",
    access: "admin",
    storage: true,
    params: channelParams,
    body: jsonObject({
      status: z.enum(["enabled", "disabled"], {
        error: (issue) =>
          `status must be "enabled" or "disabled", got ${describeInput(issue.input)}`,
      }),
    }).openapi("ChannelStatusInput"),
    responses: SETTINGS_SAVED,
  }),
  (deps) =>
    async (c, { params, body }) => {
      const channel = params.ch;
      const existing = await getSettings(deps, channel, c.req.raw.signal);
      const settings = await saveSettings(deps, channel, existing, {
        description: existing?.description ?? "",
        status: body.status,
        ...(existing?.liveWindow === undefined ? {} : { liveWindow: existing.liveWindow }),
      });
      return c.json(settingsJson(deps, settings), existing ? 200 : 201);
    },
);

/**
 * `DELETE /v1/channels/:ch[?purge=true]`: removes the channel's metadata
 * folder (settings, heartbeat, run history). Recordings (segments and stored
 * playlists) are kept unless `purge=true`, which deletes every object under
 * the channel's prefix, PURGE_MAX_KEYS per request (`complete: false`: call
 * again), then its day indexes; the metadata goes last, once the recordings are gone, so a purge
 * cut short still shows the channel. 404 when nothing of the channel exists.
 */
export const deleteChannelRoute = apiRoute(
  () => ({
    method: "delete",
    path: "/v1/channels/{ch}",
    operationId: "deleteChannel",
    tag: "channels",
    summary: "Remove a channel's settings, heartbeat and history",
    description: `Recordings are kept unless \`purge\`; a purge deletes up to ${PURGE_MAX_KEYS} objects per call and answers \`complete: false\` until done.`,
    access: "admin",
    storage: true,
    params: channelParams,
    query: z.object({
      purge: queryFlag("purge", "Also delete every recording and stored playlist"),
    }),
    responses: { "200": json("What was deleted.", ChannelDeletedSchema), "404": CHANNEL_NOT_FOUND },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { purge } = query;
      const signal = c.req.raw.signal;
      let recordings = {
        deleted: 0,
        failed: [] as { key: string; code: string; message: string }[],
      };
      let more = false;
      let recordingsFound = false;
      if (purge) {
        const listed = await listKeys(
          deps,
          channelPrefix(deps.config.movieKey, channel),
          PURGE_MAX_KEYS,
          signal,
        );
        recordingsFound = listed.keys.length > 0;
        more = listed.more;
        recordings = await deleteKeys(deps, listed.keys, signal);
        if (!more) {
          // The day indexes describe recordings that are gone now.
          const indexes = await listKeys(
            deps,
            dayIndexPrefix(deps.config.movieKey, channel),
            PURGE_MAX_KEYS,
            signal,
          );
          more = indexes.more;
          const dropped = await deleteKeys(deps, indexes.keys, signal);
          recordings.failed.push(...dropped.failed);
        }
        deps.listings.invalidate(channel);
        deps.dayIndexes?.invalidate(channel);
        deps.cache.dropChannel(channel);
      } else {
        recordingsFound = await hasRecordings(deps, channel, signal);
      }
      const complete = !more && recordings.failed.length === 0;
      let metadata = { deleted: 0, failed: [] as typeof recordings.failed };
      let metaFound = false;
      if (complete) {
        const meta = await listKeys(deps, metaFolder(deps, channel), PURGE_MAX_KEYS, signal);
        metaFound = meta.keys.length > 0;
        metadata = await deleteKeys(deps, meta.keys, signal);
        rememberSettings(deps, channel, undefined);
      }
      if (!metaFound && !recordingsFound) {
        throw new NotFoundError(
          "CHANNEL_NOT_FOUND",
          `channel ${channel} does not exist: nothing to delete`,
        );
      }
      const failed = [...recordings.failed, ...metadata.failed];
      deps.logger.info(
        {
          channel,
          purge,
          recordings: recordings.deleted,
          metadata: metadata.deleted,
          failed: failed.length,
        },
        "channel deleted",
      );
      return c.json({
        channel,
        purge,
        deleted: { recordings: recordings.deleted, metadata: metadata.deleted },
        recordingsKept: !purge && recordingsFound,
        complete: complete && metadata.failed.length === 0,
        ...(failed.length > 0 ? { failed: failed.slice(0, 100), failedCount: failed.length } : {}),
      });
    },
);

async function saveSettings(
  deps: ApiDeps,
  channel: string,
  existing: ChannelSettings | undefined,
  input: Pick<ChannelSettings, "description" | "status" | "liveWindow">,
): Promise<ChannelSettings> {
  const now = formatTime(deps.now());
  const settings: ChannelSettings = {
    schema: CHANNEL_SETTINGS_SCHEMA,
    channel,
    description: input.description,
    status: input.status,
    ...(input.liveWindow === undefined ? {} : { liveWindow: input.liveWindow }),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  try {
    await writeChannelSettings(deps.s3, deps.config.s3.bucket, deps.config.movieKey, settings);
  } catch (err) {
    throw toStorageError(err, `writing the settings of ${channel}`);
  }
  rememberSettings(deps, channel, settings);
  deps.logger.info({ channel, status: settings.status }, "channel settings written");
  return settings;
}

function settingsJson(deps: ApiDeps, s: ChannelSettings): Record<string, unknown> {
  return {
    name: s.channel,
    description: s.description,
    status: s.status,
    liveWindow: s.liveWindow ?? null,
    effectiveLiveWindow: s.liveWindow ?? deps.config.liveWindow,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function channelSummary(
  deps: ApiDeps,
  name: string,
  settings: ChannelSettings | undefined,
  status: ChannelStatus | undefined,
  recordings: boolean,
  nowMs: number,
  proof: SegmentProof | undefined,
): Record<string, unknown> {
  const state = channelState(settings, status, nowMs, proof);
  return {
    name,
    description: settings?.description ?? "",
    status: settings?.status ?? "enabled",
    liveWindow: settings?.liveWindow ?? null,
    effectiveLiveWindow: settings?.liveWindow ?? deps.config.liveWindow,
    state: state.state,
    since: state.since,
    heartbeatAge: state.heartbeatAge,
    lastSegmentTime: status?.lastSegment ? safeTime(status.lastSegment.startMs) : null,
    hasSettings: settings !== undefined,
    hasRecordings: recordings,
  };
}
