import {
  CHANNEL_SETTINGS_SCHEMA,
  type ChannelSettings,
  type ChannelStatus,
  channelPrefix,
  formatTime,
  mapLimit,
  NotFoundError,
  parseChannelSettingsInput,
  ValidationError,
  writeChannelSettings,
} from "@kiroku/shared";
import type { Handler } from "hono";
import { refuseSigned } from "../access/admin-auth";
import { type ApiDeps, type ApiEnv, accessOf, channelParam } from "../access/context";
import { channelState, safeTime, statJson } from "../channels/channel-state";
import {
  deleteKeys,
  getSettings,
  getStatus,
  hasRecordings,
  listChannelNames,
  listKeys,
  META_READ_CONCURRENCY,
  metaFolder,
} from "../channels/channel-store";
import { rememberSettings } from "../channels/settings-cache";
import { readJsonObject, rejectUnknownFields } from "../http/json-body";
import { parseFlag } from "../http/query-flag";
import { toStorageError } from "../http/storage-error";

/** Objects a purge deletes per request (10 DeleteObjects calls); `complete: false` says to call again. */
export const PURGE_MAX_KEYS = 10_000;

/**
 * `GET /v1/channels`: every channel, whether it has settings, only
 * recordings, or only a recorder's heartbeat, with its live state. Two
 * delimiter listings find the names (never a segment scan); channels with
 * metadata then cost one settings GET and one status GET each, eight at a time.
 */
export function listChannelsHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    refuseSigned(accessOf(c), "the channel list");
    const signal = c.req.raw.signal;
    const { withMeta, withRecordings, truncated } = await listChannelNames(deps, signal);
    const names = [...new Set([...withMeta, ...withRecordings])].sort();
    const now = deps.now();
    const channels = await mapLimit(names, META_READ_CONCURRENCY, async (name) => {
      const [settings, status] = withMeta.has(name)
        ? await Promise.all([getSettings(deps, name, signal), getStatus(deps, name, signal)])
        : [undefined, undefined];
      return channelSummary(deps, name, settings, status, withRecordings.has(name), now);
    });
    c.header("Cache-Control", "private, no-cache");
    return c.json({ channels, ...(truncated ? { truncated: true } : {}) });
  };
}

/** `GET /v1/channels/:ch`: settings (stored or default), live state and stat. 404 for a channel nothing is known of. */
export function getChannelHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    refuseSigned(accessOf(c), "channel settings");
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
    c.header("Cache-Control", "private, no-cache");
    return c.json({
      ...channelSummary(deps, channel, settings, status, recordings, now),
      settings: settings ?? null,
      stat: statJson(channel, settings, status, now),
    });
  };
}

/**
 * `PUT /v1/channels/:ch`: creates or replaces the settings (idempotent:
 * fields left out get their defaults, as a PUT should). 201 when created,
 * 200 when replaced; `createdAt` survives replacement.
 */
export function putChannelHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const input = parseChannelSettingsInput(await readJsonObject(c.req.raw));
    const existing = await getSettings(deps, channel, c.req.raw.signal);
    const settings = await saveSettings(deps, channel, existing, input);
    return c.json(settingsJson(deps, settings), existing ? 200 : 201);
  };
}

/** `PUT /v1/channels/:ch/status {"status":"enabled"|"disabled"}`: switches the channel, keeping its other settings. */
export function putChannelStatusHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const body = await readJsonObject(c.req.raw);
    rejectUnknownFields(body, ["status"]);
    if (body.status !== "enabled" && body.status !== "disabled") {
      throw new ValidationError(
        "status",
        `status must be "enabled" or "disabled", got ${body.status === undefined ? "nothing" : JSON.stringify(body.status).slice(0, 40)}`,
      );
    }
    const existing = await getSettings(deps, channel, c.req.raw.signal);
    const settings = await saveSettings(deps, channel, existing, {
      description: existing?.description ?? "",
      status: body.status,
      ...(existing?.liveWindow === undefined ? {} : { liveWindow: existing.liveWindow }),
    });
    return c.json(settingsJson(deps, settings), existing ? 200 : 201);
  };
}

/**
 * `DELETE /v1/channels/:ch[?purge=true]`: removes the channel's metadata
 * folder (settings, heartbeat, run history). Recordings (segments and stored
 * playlists) are kept unless `purge=true`, which deletes every object under
 * the channel's prefix, PURGE_MAX_KEYS per request (`complete: false`: call
 * again); the metadata goes last, once the recordings are gone, so a purge
 * cut short still shows the channel. 404 when nothing of the channel exists.
 */
export function deleteChannelHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const purge = parseFlag(c.req.query("purge"), "purge");
    const signal = c.req.raw.signal;
    let recordings = { deleted: 0, failed: [] as { key: string; code: string; message: string }[] };
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
  };
}

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
): Record<string, unknown> {
  const state = channelState(settings, status, nowMs);
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
