import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  formatTime,
  KirokuError,
  NotFoundError,
  ValidationError,
  vodPlaylistKey,
  vodPlaylistPrefix,
} from "@kiroku/shared";
import type { Handler } from "hono";
import { refuseSigned } from "../access/admin-auth";
import {
  type ApiDeps,
  type ApiEnv,
  accessOf,
  channelParam,
  listRange,
  rangeIsOver,
} from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { readJsonObject } from "../http/json-body";
import { parseFlag } from "../http/query-flag";
import { isNotFound, toStorageError } from "../http/storage-error";
import {
  parsePlaylistName,
  parseStoredPlaylistRequest,
  renderStoredPlaylist,
  rewriteStoredPlaylist,
  storedPlaylistUrl,
} from "../playlists/stored-playlist";
import { M3U8_TYPE } from "./vod";

/**
 * `POST /v1/channels/:ch/vod-playlists {name,start,end}[?overwrite=true]`
 * (OSS PostVodPlaylist): writes `movie/{ch}/vod/{name}.m3u8` with relative
 * segment URIs, so it plays from static bucket hosting or a CDN with no API.
 * An existing name is refused (409) unless `overwrite=true`; an empty range
 * is 404 NO_SEGMENTS. The playlist is a snapshot (VOD, ENDLIST) of what the
 * bucket holds now: `complete: false` warns that the range is not over yet.
 */
export function postVodPlaylistHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const overwrite = parseFlag(c.req.query("overwrite"), "overwrite");
    const req = parseStoredPlaylistRequest(
      await readJsonObject(c.req.raw),
      deps.config.maxRangeHours,
    );
    const { movieKey } = deps.config;
    const key = vodPlaylistKey(movieKey, channel, req.name);
    const signal = c.req.raw.signal;
    if (!overwrite && (await exists(deps, key, signal))) {
      throw new KirokuError(
        "PLAYLIST_EXISTS",
        `stored playlist ${req.name} of channel ${channel} already exists: pick another name, or add ?overwrite=true to replace it`,
        409,
      );
    }
    const segments = await listRange(deps, channel, req, signal);
    if (segments.length === 0) {
      throw new NotFoundError(
        "NO_SEGMENTS",
        `No ts file found in specified time span: channel ${channel} has no segments between ${formatTime(req.startMs)} and ${formatTime(req.endMs)}`,
      );
    }
    const body = renderStoredPlaylist(movieKey, channel, segments, req.startMs);
    try {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.config.s3.bucket,
          Key: key,
          Body: body,
          ContentType: M3U8_TYPE,
          // Stable unless overwritten on purpose: short enough for a CDN to pick up a replacement.
          CacheControl: "public, max-age=60",
          Metadata: {
            "kiroku-start": formatTime(req.startMs),
            "kiroku-end": formatTime(req.endMs),
            "kiroku-segments": String(segments.length),
          },
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw toStorageError(err, `writing stored playlist ${key}`);
    }
    const first = segments[0]!;
    const last = segments.at(-1)!;
    const url = storedPlaylistUrl(deps.config.hostingUrl, movieKey, channel, req.name);
    deps.logger.info({ channel, key, segments: segments.length }, "stored playlist written");
    return c.json(
      {
        name: req.name,
        channel,
        key,
        ...(url ? { url } : {}),
        start: formatTime(req.startMs),
        end: formatTime(req.endMs),
        segments: segments.length,
        firstSegmentStart: formatTime(first.startMs),
        lastSegmentEnd: formatTime(last.startMs + last.durationMs),
        complete: rangeIsOver(deps.config, req.endMs, deps.now()),
      },
      201,
    );
  };
}

/** `GET /v1/channels/:ch/vod-playlists`: the stored playlists (one listing page, up to 1,000). */
export function listVodPlaylistsHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    refuseSigned(accessOf(c), "stored playlists");
    const { movieKey } = deps.config;
    const prefix = vodPlaylistPrefix(movieKey, channel);
    const after = c.req.query("after");
    if (after !== undefined) parsePlaylistName(after);
    let page: ListObjectsV2CommandOutput;
    try {
      page = await deps.s3.send(
        new ListObjectsV2Command({
          Bucket: deps.config.s3.bucket,
          Prefix: prefix,
          MaxKeys: 1000,
          ...(after ? { StartAfter: vodPlaylistKey(movieKey, channel, after) } : {}),
        }),
        { abortSignal: c.req.raw.signal },
      );
    } catch (err) {
      throw toStorageError(err, `listing the stored playlists of ${channel}`);
    }
    const playlists = (page.Contents ?? [])
      .filter((o) => o.Key?.endsWith(".m3u8") && !o.Key.slice(prefix.length).includes("/"))
      .map((o) => {
        const name = o.Key!.slice(prefix.length, -".m3u8".length);
        const url = storedPlaylistUrl(deps.config.hostingUrl, movieKey, channel, name);
        return {
          name,
          key: o.Key!,
          ...(url ? { url } : {}),
          size: o.Size ?? null,
          lastModified: o.LastModified ? o.LastModified.toISOString() : null,
        };
      });
    c.header("Cache-Control", "private, no-cache");
    return c.json({
      channel,
      playlists,
      ...(page.IsTruncated ? { truncated: true, next: playlists.at(-1)?.name } : {}),
    });
  };
}

/**
 * `GET /v1/channels/:ch/vod-playlists/:name` (OSS GetVodPlaylist): the stored
 * playlist, with its segment URIs rewritten the way this API serves
 * segments (presigned, public or proxied) so it plays through the API too;
 * `X-Kiroku-Key` / `X-Kiroku-Url` tell where the stored object is.
 * `?format=json` answers its key, public URL, range and stored text;
 * `?raw=true` the stored bytes as they are (relative URIs).
 */
export function getVodPlaylistHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const name = parsePlaylistName(c.req.param("name"));
    const format = c.req.query("format");
    if (format !== undefined && format !== "json" && format !== "m3u8") {
      throw new ValidationError(
        "format",
        `format must be "json" or "m3u8", got ${JSON.stringify(format.slice(0, 40))}`,
      );
    }
    const raw = parseFlag(c.req.query("raw"), "raw");
    const access = accessOf(c);
    refuseSigned(access, "stored playlists");
    const { movieKey } = deps.config;
    const key = vodPlaylistKey(movieKey, channel, name);
    let text: string;
    let metadata: Record<string, string> = {};
    let lastModified: Date | undefined;
    try {
      const out = await deps.s3.send(
        new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: key }),
        { abortSignal: c.req.raw.signal },
      );
      text = await out.Body!.transformToString();
      metadata = out.Metadata ?? {};
      lastModified = out.LastModified;
    } catch (err) {
      if (isNotFound(err)) {
        throw new NotFoundError(
          "PLAYLIST_NOT_FOUND",
          `channel ${channel} has no stored playlist named ${name}: list them with GET /v1/channels/${channel}/vod-playlists`,
        );
      }
      throw toStorageError(err, `reading stored playlist ${key}`);
    }
    const url = storedPlaylistUrl(deps.config.hostingUrl, movieKey, channel, name);
    c.header("Cache-Control", "private, no-cache");
    if (format === "json") {
      return c.json({
        name,
        channel,
        key,
        ...(url ? { url } : {}),
        start: metadata["kiroku-start"] ?? null,
        end: metadata["kiroku-end"] ?? null,
        segments: text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length,
        lastModified: lastModified ? lastModified.toISOString() : null,
        playlist: text,
      });
    }
    c.header("X-Kiroku-Key", key);
    if (url) c.header("X-Kiroku-Url", url);
    c.header("Content-Type", M3U8_TYPE);
    if (raw) return c.body(text);
    const uri = await deps.urls.builder(channel, urlPolicy(deps.config, access, deps.now()));
    // Proxy URIs are relative to /v1/channels/:ch/; this document sits one folder deeper.
    const fromHere = (seg: Parameters<typeof uri>[0]) => {
      const u = uri(seg);
      return /^[a-z]+:\/\//i.test(u) ? u : `../${u}`;
    };
    return c.body(rewriteStoredPlaylist(text, movieKey, channel, fromHere));
  };
}

async function exists(deps: ApiDeps, key: string, signal: AbortSignal): Promise<boolean> {
  try {
    await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.s3.bucket, Key: key }), {
      abortSignal: signal,
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw toStorageError(err, `checking ${key}`);
  }
}
