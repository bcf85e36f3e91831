import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { z } from "@hono/zod-openapi";
import {
  describeInput,
  formatTime,
  KirokuError,
  NotFoundError,
  vodPlaylistKey,
  vodPlaylistPrefix,
} from "@kiroku/shared";
import { refuseSigned } from "../access/admin-auth";
import { type ApiDeps, accessOf, listRange, rangeIsOver } from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { queryFlag } from "../http/query-flag";
import { isNotFound, toStorageError } from "../http/storage-error";
import {
  playlistName,
  renderStoredPlaylist,
  rewriteStoredPlaylist,
  storedPlaylistRequestSchema,
  storedPlaylistUrl,
} from "../playlists/stored-playlist";
import { channelName, channelParams, json, problem, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";
import { M3U8_TYPE } from "./vod-cached-answers";

/**
 * `POST /v1/channels/:ch/vod-playlists {name,start,end}[?overwrite=true]`
 * (OSS PostVodPlaylist): writes `movie/{ch}/vod/{name}.m3u8` with relative
 * segment URIs, so it plays from static bucket hosting or a CDN with no API.
 * An existing name is refused (409) unless `overwrite=true`; an empty range
 * is 404 NO_SEGMENTS. The playlist is a snapshot (VOD, ENDLIST) of what the
 * bucket holds now: `complete: false` warns that the range is not over yet.
 */
export const postVodPlaylistRoute = apiRoute(
  (limits) => ({
    method: "post",
    path: "/v1/channels/{ch}/vod-playlists",
    operationId: "postVodPlaylist",
    tag: "channels",
    summary: "Store a range playlist in the bucket",
    description:
      "Written beside the segments with relative segment URIs, so it plays from static bucket hosting with no API.",
    access: "admin",
    storage: true,
    params: channelParams,
    query: z.object({
      overwrite: queryFlag("overwrite", "Replace a stored playlist of the same name"),
    }),
    body: storedPlaylistRequestSchema(limits.maxRangeHours).openapi("VodPlaylistRequest"),
    responses: {
      "201": json("Stored.", StoredPlaylistSchema),
      "404": problem("NO_SEGMENTS: no ts file found in the specified time span."),
      "409": problem("PLAYLIST_EXISTS: the name is taken and `overwrite` is not set."),
    },
  }),
  (deps) =>
    async (c, { params, query, body: req }) => {
      const channel = params.ch;
      const { overwrite } = query;
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
    },
);

/** `GET /v1/channels/:ch/vod-playlists`: the stored playlists (one listing page, up to 1,000). */
export const listVodPlaylistsRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/vod-playlists",
    operationId: "listVodPlaylists",
    tag: "channels",
    summary: "Stored playlists of a channel",
    description: "One page of up to 1,000, by name.",
    access: "metadata",
    storage: true,
    params: channelParams,
    query: z.object({
      after: playlistName("after", "List names after this one (the `next` of a page).").optional(),
    }),
    responses: { "200": json("The stored playlists.", VodPlaylistListSchema) },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      refuseSigned(accessOf(c), "stored playlists");
      const { movieKey } = deps.config;
      const prefix = vodPlaylistPrefix(movieKey, channel);
      const { after } = query;
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
    },
);

/**
 * `GET /v1/channels/:ch/vod-playlists/:name` (OSS GetVodPlaylist): the stored
 * playlist, with its segment URIs rewritten the way this API serves
 * segments (presigned, public or proxied) so it plays through the API too;
 * `X-Kiroku-Key` / `X-Kiroku-Url` tell where the stored object is.
 * `?format=json` answers its key, public URL, range and stored text;
 * `?raw=true` the stored bytes as they are (relative URIs).
 */
export const getVodPlaylistRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/vod-playlists/{name}",
    operationId: "getVodPlaylist",
    tag: "channels",
    summary: "A stored playlist",
    description:
      "By default its segment URIs are rewritten the way this API serves segments (SEGMENT_URLS).",
    access: "metadata",
    storage: true,
    params: z.object({
      ch: channelName,
      name: playlistName("name", "Stored playlist name.", "name is required").openapi({
        param: { name: "name", in: "path" },
      }),
    }),
    query: z.object({
      format: z
        .enum(["json", "m3u8"], {
          error: (issue) => `format must be "json" or "m3u8", got ${describeInput(issue.input)}`,
        })
        .optional()
        .openapi({
          description: "`json`: key, URL, range and stored text as JSON.",
          default: "m3u8",
        }),
      raw: queryFlag("raw", "The stored bytes as they are (relative segment URIs)"),
    }),
    responses: {
      "200": {
        description: "The playlist, or with `format=json` its description.",
        headers: z.object({
          "X-Kiroku-Key": z.string().openapi({ description: "Key of the stored object." }),
          "X-Kiroku-Url": z
            .string()
            .optional()
            .openapi({ description: "Its public URL, when S3_HOSTING_URL is set." }),
        }),
        content: {
          [M3U8_TYPE]: { schema: z.string() },
          "application/json": { schema: VodPlaylistSchema },
        },
      },
      "404": problem("PLAYLIST_NOT_FOUND."),
    },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const { ch: channel, name } = params;
      const { format, raw } = query;
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
    },
);

const StoredPlaylistSchema = z
  .object({
    name: z.string(),
    channel: z.string(),
    key: z.string(),
    url: z.string().optional().openapi({ description: "Public URL, when S3_HOSTING_URL is set." }),
    start: Time,
    end: Time,
    segments: z.int(),
    firstSegmentStart: Time,
    lastSegmentEnd: Time,
    complete: z
      .boolean()
      .openapi({ description: "False: the range is not over, later segments are missing." }),
  })
  .openapi("StoredPlaylist");

const VodPlaylistListSchema = z
  .object({
    channel: z.string(),
    playlists: z.array(
      z.object({
        name: z.string(),
        key: z.string(),
        url: z.string().optional(),
        size: z.int().nullable(),
        lastModified: Time.nullable(),
      }),
    ),
    truncated: z.literal(true).optional(),
    next: z.string().optional().openapi({ description: "Pass as `after` for the next page." }),
  })
  .openapi("VodPlaylistList");

const VodPlaylistSchema = z
  .object({
    name: z.string(),
    channel: z.string(),
    key: z.string(),
    url: z.string().optional(),
    start: Time.nullable(),
    end: Time.nullable(),
    segments: z.int(),
    lastModified: Time.nullable(),
    playlist: z.string().openapi({ description: "The stored M3U8 text." }),
  })
  .openapi("VodPlaylist");

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
