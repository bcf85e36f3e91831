import {
  CHANNEL_NAME_PATTERN,
  DEFAULTS,
  DESCRIPTION_MAX_BYTES,
  VOD_PLAYLIST_NAME,
} from "@kiroku/shared";
import {
  SESSION_DEFAULT_SECONDS,
  SESSION_MAX_SECONDS,
  SESSION_MIN_SECONDS,
  SESSION_MODES,
} from "../access/session-request";
import { API_DEFAULTS } from "../api-defaults";
import { JSON_BODY_MAX_BYTES } from "../http/json-body";
import { PURGE_MAX_KEYS } from "./channels";
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT } from "./history";
import { M3U8_TYPE } from "./vod";

/**
 * The HTTP API as an OpenAPI 3.1 document (served at `GET /v1/openapi.json`).
 * Written by hand from the handlers in `routes/`: every route `app.ts`
 * registers is here, the web page and its assets included, and
 * `openapi.test.ts` fails when the two lists differ. Limits come from the
 * constants the handlers use, so they cannot drift apart. The document holds
 * no configuration: PUBLIC_PLAYBACK, SEGMENT_URLS and the like are described,
 * not read.
 */

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it), kept as plain data. */
export type Schema = { [keyword: string]: unknown };
/** A type alias (not an interface) so that a Ref is also a Schema. */
export type Ref = { $ref: string };
export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  description: string;
  required?: boolean;
  schema: Schema;
}
export interface Header {
  description: string;
  schema: Schema;
}
export interface MediaType {
  schema?: Schema | Ref;
}
export interface Response {
  description: string;
  headers?: Record<string, Header | Ref>;
  content?: Record<string, MediaType>;
}
export type HttpMethod = "get" | "put" | "post" | "delete";
export type SecurityRequirement = Record<string, string[]>;
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: SecurityRequirement[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response | Ref>;
}
export type PathItem = Partial<Record<HttpMethod, Operation>>;
export interface SecurityScheme {
  type: "http" | "apiKey";
  description: string;
  scheme?: string;
  in?: "query";
  name?: string;
}
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    parameters: Record<string, Parameter>;
    headers: Record<string, Header>;
    responses: Record<string, Response>;
    securitySchemes: Record<string, SecurityScheme>;
  };
}

/** What a route needs to let a request in (see `auth.ts`, `admin-auth.ts`). */
type Access =
  /** Nothing. */
  | "open"
  /** Bearer token, or a signed URL for exactly this resource. */
  | "playback"
  /** Bearer token; a signed playback URL is refused (SIGNATURE_SCOPE). */
  | "metadata"
  /** Bearer token always, even with PUBLIC_PLAYBACK. */
  | "admin";

interface Route {
  method: HttpMethod;
  /** OpenAPI form: `{ch}` where Hono has `:ch`. */
  path: string;
  id: string;
  tag: "web" | "service" | "playback" | "channels";
  summary: string;
  description?: string;
  access: Access;
  /** Reads or writes the bucket (so may answer 502 and 503). */
  storage: boolean;
  parameters?: (Parameter | Ref)[];
  /** Component name of the JSON request body's schema. */
  body?: string;
  responses: Record<string, Response | Ref>;
}

/** The document; `version` is the API package's. */
export function openApiDocument(info: { version: string }): OpenApiDocument {
  const paths: Record<string, PathItem> = {};
  for (const route of routes()) {
    const item = paths[route.path] ?? {};
    item[route.method] = operation(route);
    paths[route.path] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Kiroku API",
      version: info.version,
      description: [
        "Playback (HLS playlists, clips, segments) and channel management of Kiroku recordings stored in S3.",
        'Every error is JSON `{"error":{"code","message"}}`; a 400 also names the offending `field`.',
        "Reads need the API_TOKEN bearer or a signed URL (`exp` and `sig`), or nothing when the server runs with PUBLIC_PLAYBACK=true; writes always need the bearer.",
        "Times in queries and bodies are ISO 8601 with an offset, or epoch seconds (12 or more digits: milliseconds); answers use ISO 8601 UTC with milliseconds.",
      ].join("\n\n"),
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [
      { name: "playback", description: "Playlists, clips, segments and the recorded timeline." },
      {
        name: "channels",
        description: "Settings, live state, history, stored playlists, sessions.",
      },
      { name: "service", description: "Health and this document." },
      { name: "web", description: "The web page and its assets." },
    ],
    paths,
    components: components(),
  };
}

function ref(kind: keyof OpenApiDocument["components"], name: string): Ref {
  return { $ref: `#/components/${kind}/${name}` };
}

/** A JSON answer whose body is the named schema. */
function json(description: string, schemaName: string, headers?: Response["headers"]): Response {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema: ref("schemas", schemaName) } },
  };
}

/** An error answer: `{error:{code,message}}`, the codes said in the description. */
function problem(description: string, headers?: Response["headers"]): Response {
  return json(description, "Error", headers);
}

/** A text answer (a playlist, a page) of one media type. */
function text(description: string, mediaType: string, headers?: Response["headers"]): Response {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [mediaType]: { schema: str() } },
  };
}

/** An object whose properties are all present, except those named `optional`. */
function object(properties: Record<string, Schema | Ref>, optional: string[] = []): Schema {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}

/** The same schema, or null. */
function orNull(schema: Schema | Ref): Schema {
  return typeof (schema as Schema).type === "string"
    ? { ...schema, type: [(schema as Schema).type, "null"] }
    : { anyOf: [schema, { type: "null" }] };
}

/** A schema of one JSON type, with an optional description. */
const typed =
  (type: string) =>
  (description?: string): Schema => ({ type, ...(description ? { description } : {}) });
const str = typed("string");
const int = typed("integer");
const num = typed("number");
const bool = typed("boolean");
const time = (): Ref => ref("schemas", "Time");
const arrayOf = (items: Schema | Ref): Schema => ({ type: "array", items });

function query(name: string, description: string, schema: Schema, required = false): Parameter {
  return { name, in: "query", description, required, schema };
}

/** A true/false flag: `true`, `1` or present without a value mean true; `false`, `0` false. */
function flag(name: string, description: string): Parameter {
  return query(name, `${description} (\`true\`/\`1\`, or \`false\`/\`0\`)`, {
    type: "boolean",
    default: false,
  });
}

function pathParam(name: string, description: string, schema: Schema): Parameter {
  return { name, in: "path", description, required: true, schema };
}

/** Adds what every route of an access kind shares: security, auth errors, 400, 413, storage errors. */
function operation(route: Route): Operation {
  const security: Record<Access, SecurityRequirement[]> = {
    open: [],
    playback: [{ bearerToken: [] }, { signedUrlExp: [], signedUrlSig: [] }],
    metadata: [{ bearerToken: [] }],
    admin: [{ bearerToken: [] }],
  };
  const forbidden: Record<Access, string | undefined> = {
    open: undefined,
    playback: "SignatureRefused",
    metadata: "SignedUrlNotAccepted",
    admin: "WritesDisabled",
  };
  const validates = route.access !== "open" && (route.parameters?.length || route.body);
  const responses: Record<string, Response | Ref> = { ...route.responses };
  if (validates && !responses["400"]) responses["400"] = ref("responses", "BadRequest");
  const refused = forbidden[route.access];
  if (refused) {
    responses["401"] = ref("responses", "Unauthorized");
    responses["403"] = ref("responses", refused);
  }
  if (route.body) responses["413"] = ref("responses", "BodyTooLarge");
  if (route.storage) {
    responses["502"] = ref("responses", "StorageError");
    responses["503"] = ref("responses", "StorageUnavailable");
  }
  return {
    operationId: route.id,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: security[route.access],
    ...(route.parameters ? { parameters: route.parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("schemas", route.body) } },
          },
        }
      : {}),
    responses: sortedByStatus(responses),
  };
}

function sortedByStatus<T>(responses: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

function routes(): Route[] {
  const ch = ref("parameters", "channel");
  const range = [ch, ref("parameters", "start"), ref("parameters", "end")];
  const rangeOrDuration = [...range, ref("parameters", "duration")];
  const noSegments = problem("NO_SEGMENTS: the range holds no segment.");
  const channelNotFound = problem(
    "CHANNEL_NOT_FOUND: nothing of the channel exists (no settings, status or recordings).",
  );
  const settingsSaved = {
    "200": json("Replaced.", "Settings"),
    "201": json("Created.", "Settings"),
  };
  return [
    {
      method: "get",
      path: "/",
      id: "getWebPage",
      tag: "web",
      summary: "The web page",
      description: "Channels, day timeline, player and range actions. Plain text when not built.",
      access: "open",
      storage: false,
      responses: {
        "200": text("The page.", "text/html", { ETag: ref("headers", "ETag") }),
        "304": ref("responses", "NotModified"),
      },
    },
    {
      method: "get",
      path: "/assets/{file}",
      id: "getWebAsset",
      tag: "web",
      summary: "A script, style sheet or source map of the web page",
      access: "open",
      storage: false,
      parameters: [pathParam("file", "Asset name, e.g. `app.js`.", str())],
      responses: {
        "200": {
          description: "The asset.",
          headers: { ETag: ref("headers", "ETag") },
          content: {
            "text/javascript": { schema: str() },
            "text/css": { schema: str() },
            "application/json": { schema: { type: "object" } },
          },
        },
        "304": ref("responses", "NotModified"),
        "404": problem("NOT_FOUND: no such asset."),
      },
    },
    {
      method: "get",
      path: "/healthz",
      id: "getHealth",
      tag: "service",
      summary: "Health check",
      description: "502/503 only when `storage` is given.",
      access: "open",
      storage: true,
      parameters: [
        query("storage", "When present (any value, e.g. `1`): also list one key of the bucket.", {
          type: "string",
        }),
      ],
      responses: { "200": json("The process (and the bucket, if asked) answers.", "Health") },
    },
    {
      method: "get",
      path: "/v1/openapi.json",
      id: "getOpenApi",
      tag: "service",
      summary: "This document",
      access: "open",
      storage: false,
      responses: {
        "200": {
          description: "OpenAPI 3.1.",
          content: { "application/json": { schema: { type: "object" } } },
        },
      },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/vod.m3u8",
      id: "getRangePlaylist",
      tag: "playback",
      summary: "Range playlist",
      description:
        "Every segment overlapping the range, playback starting at `start`. A finished range is a VOD playlist (with ETag), cached as immutable once the recorder's heartbeat says no upload for it is still on its way; one reaching into the future a growing EVENT playlist.",
      access: "playback",
      storage: true,
      parameters: [...rangeOrDuration, ref("parameters", "ifNoneMatch")],
      responses: {
        "200": text("HLS playlist.", M3U8_TYPE, { ETag: ref("headers", "ETag") }),
        "304": ref("responses", "NotModified"),
        "404": noSegments,
      },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/live.m3u8",
      id: "getLivePlaylist",
      tag: "playback",
      summary: "Live playlist",
      description: `The newest LIVE_WINDOW segments (default ${DEFAULTS.LIVE_WINDOW}, or the channel's \`liveWindow\`).`,
      access: "playback",
      storage: true,
      parameters: [ch],
      responses: {
        "200": text("HLS playlist (sliding window).", M3U8_TYPE),
        "404": problem(
          "NOT_LIVE: no segment ended within three segment durations, or a new run is still waiting for earlier uploads.",
        ),
      },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/recordings",
      id: "getRecordings",
      tag: "playback",
      summary: "Recorded spans and gaps",
      description: `An empty range is an answer, not a 404. With \`summary\` the range may span ${API_DEFAULTS.SUMMARY_MAX_HOURS / 24} days even when MAX_RANGE_HOURS is lower.`,
      access: "playback",
      storage: true,
      parameters: [
        ...rangeOrDuration,
        query("summary", "Also give coverage per hour or day (buckets aligned to `start`).", {
          type: "string",
          enum: ["hour", "day"],
        }),
      ],
      responses: { "200": json("Spans, gaps and totals.", "Recordings") },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/clip.ts",
      id: "getClip",
      tag: "playback",
      summary: "The range as one MPEG-TS download",
      description:
        "Whole segments, so the file may start and end up to one segment outside the range; the X-Kiroku-Clip-* headers say exactly. HEAD answers the same checks and headers without reading a segment.",
      access: "playback",
      storage: true,
      parameters: rangeOrDuration,
      responses: {
        "200": {
          description: "The clip, streamed.",
          headers: {
            "Content-Disposition": {
              description: '`attachment; filename="{ch}_{start}-{end}.ts"`',
              schema: str(),
            },
            "X-Kiroku-Clip-Start": { description: "Start of the first segment.", schema: str() },
            "X-Kiroku-Clip-End": { description: "End of the last segment.", schema: str() },
            "X-Kiroku-Segments": { description: "Segments in the clip.", schema: int() },
          },
          content: { "video/mp2t": {} },
        },
        "404": noSegments,
        "413": problem(
          "CLIP_TOO_LARGE: the clip is over CLIP_MAX_BYTES (refused before any byte).",
        ),
      },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/segments/{day}/{name}",
      id: "getSegment",
      tag: "playback",
      summary: "One segment through the API",
      description:
        "The segment URIs of playlists when SEGMENT_URLS=proxy, each signed for its one segment. A single `Range` is honoured.",
      access: "playback",
      storage: true,
      parameters: [
        ch,
        pathParam("day", "UTC day of the segment.", { type: "string", format: "date" }),
        pathParam("name", "Segment file name.", {
          type: "string",
          examples: ["10-30-00.000Z_30000ms_r1_s42.ts"],
        }),
        {
          name: "Range",
          in: "header",
          description:
            "One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`); others are ignored.",
          schema: str(),
        },
      ],
      responses: {
        "200": { description: "The segment.", content: { "video/mp2t": {} } },
        "206": {
          description: "The requested byte range.",
          headers: { "Content-Range": { description: "`bytes a-b/size`", schema: str() } },
          content: { "video/mp2t": {} },
        },
        "400": problem("INVALID_SEGMENT: not a segment name; or INVALID_CHANNEL."),
        "404": problem("SEGMENT_NOT_FOUND."),
        "416": problem("RANGE_NOT_SATISFIABLE: the range is outside the segment."),
      },
    },
    {
      method: "get",
      path: "/v1/channels",
      id: "listChannels",
      tag: "channels",
      summary: "All channels with their live state",
      description: "Channels with settings, a recorder heartbeat or only recordings.",
      access: "metadata",
      storage: true,
      responses: { "200": json("The channels, by name.", "ChannelList") },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}",
      id: "getChannel",
      tag: "channels",
      summary: "Settings and stat of a channel",
      access: "metadata",
      storage: true,
      parameters: [ch],
      responses: { "200": json("The channel.", "Channel"), "404": channelNotFound },
    },
    {
      method: "put",
      path: "/v1/channels/{ch}",
      id: "putChannel",
      tag: "channels",
      summary: "Create or replace a channel's settings",
      description: "Replaces the whole object: fields left out get their defaults.",
      access: "admin",
      storage: true,
      parameters: [ch],
      body: "ChannelSettingsInput",
      responses: settingsSaved,
    },
    {
      method: "delete",
      path: "/v1/channels/{ch}",
      id: "deleteChannel",
      tag: "channels",
      summary: "Remove a channel's settings, heartbeat and history",
      description: `Recordings are kept unless \`purge\`; a purge deletes up to ${PURGE_MAX_KEYS} objects per call and answers \`complete: false\` until done.`,
      access: "admin",
      storage: true,
      parameters: [ch, flag("purge", "Also delete every recording and stored playlist")],
      responses: { "200": json("What was deleted.", "ChannelDeleted"), "404": channelNotFound },
    },
    {
      method: "put",
      path: "/v1/channels/{ch}/status",
      id: "putChannelStatus",
      tag: "channels",
      summary: "Enable or disable a channel",
      description: "Keeps the other settings; the recorder follows within seconds.",
      access: "admin",
      storage: true,
      parameters: [ch],
      body: "ChannelStatusInput",
      responses: settingsSaved,
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/stat",
      id: "getChannelStat",
      tag: "channels",
      summary: "Live state and the recorder's heartbeat",
      description: "A channel nothing is known of is Idle, not 404.",
      access: "metadata",
      storage: true,
      parameters: [ch],
      responses: { "200": json("The stat.", "Stat") },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/history",
      id: "getChannelHistory",
      tag: "channels",
      summary: "Latest recording runs, newest first",
      access: "metadata",
      storage: true,
      parameters: [
        ch,
        query("limit", "Runs to return.", {
          type: "integer",
          minimum: 1,
          maximum: HISTORY_MAX_LIMIT,
          default: HISTORY_DEFAULT_LIMIT,
        }),
      ],
      responses: { "200": json("The runs.", "History") },
    },
    {
      method: "delete",
      path: "/v1/channels/{ch}/recordings",
      id: "deleteRecordings",
      tag: "channels",
      summary: "Delete the segments entirely inside a range",
      description:
        "Segments straddling a bound are kept and listed in `kept`; stored playlists are not touched.",
      access: "admin",
      storage: true,
      parameters: rangeOrDuration,
      responses: { "200": json("What was deleted and kept.", "RecordingsDeleted") },
    },
    {
      method: "post",
      path: "/v1/channels/{ch}/vod-playlists",
      id: "postVodPlaylist",
      tag: "channels",
      summary: "Store a range playlist in the bucket",
      description:
        "Written beside the segments with relative segment URIs, so it plays from static bucket hosting with no API.",
      access: "admin",
      storage: true,
      parameters: [ch, flag("overwrite", "Replace a stored playlist of the same name")],
      body: "VodPlaylistRequest",
      responses: {
        "201": json("Stored.", "StoredPlaylist"),
        "404": problem("NO_SEGMENTS: no ts file found in the specified time span."),
        "409": problem("PLAYLIST_EXISTS: the name is taken and `overwrite` is not set."),
      },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/vod-playlists",
      id: "listVodPlaylists",
      tag: "channels",
      summary: "Stored playlists of a channel",
      description: "One page of up to 1,000, by name.",
      access: "metadata",
      storage: true,
      parameters: [
        ch,
        query(
          "after",
          "List names after this one (the `next` of a page).",
          ref("schemas", "PlaylistName"),
        ),
      ],
      responses: { "200": json("The stored playlists.", "VodPlaylistList") },
    },
    {
      method: "get",
      path: "/v1/channels/{ch}/vod-playlists/{name}",
      id: "getVodPlaylist",
      tag: "channels",
      summary: "A stored playlist",
      description:
        "By default its segment URIs are rewritten the way this API serves segments (SEGMENT_URLS).",
      access: "metadata",
      storage: true,
      parameters: [
        ch,
        pathParam("name", "Stored playlist name.", ref("schemas", "PlaylistName")),
        query("format", "`json`: key, URL, range and stored text as JSON.", {
          type: "string",
          enum: ["json", "m3u8"],
          default: "m3u8",
        }),
        flag("raw", "The stored bytes as they are (relative segment URIs)"),
      ],
      responses: {
        "200": {
          description: "The playlist, or with `format=json` its description.",
          headers: {
            "X-Kiroku-Key": { description: "Key of the stored object.", schema: str() },
            "X-Kiroku-Url": {
              description: "Its public URL, when S3_HOSTING_URL is set.",
              schema: str(),
            },
          },
          content: {
            [M3U8_TYPE]: { schema: str() },
            "application/json": { schema: ref("schemas", "VodPlaylist") },
          },
        },
        "404": problem("PLAYLIST_NOT_FOUND."),
      },
    },
    {
      method: "post",
      path: "/v1/channels/{ch}/sessions",
      id: "createSession",
      tag: "channels",
      summary: "A signed, expiring playback URL",
      description:
        "Live, a range playlist, or a range as one file to download; any player or browser opens it without headers. Nothing is stored: the signature is the session.",
      access: "admin",
      storage: false,
      parameters: [ch],
      body: "SessionRequest",
      responses: {
        "201": json("The session.", "Session"),
        "501": problem("SIGNED_URLS_DISABLED: the server has no signing key."),
      },
    },
  ];
}

function components(): OpenApiDocument["components"] {
  const timeInput =
    "ISO 8601 with an offset (`2026-11-22T19:30:00+09:00`), or epoch seconds (12 or more digits: milliseconds).";
  const channelFields = {
    name: str(),
    description: str(),
    status: ref("schemas", "ChannelStatus"),
    liveWindow: orNull(int("The channel's own live window; null: the API's LIVE_WINDOW.")),
    effectiveLiveWindow: int("Segments its live playlist holds."),
  };
  const rangeFields = { start: time(), end: time() };
  const deleteFailures = {
    failed: arrayOf(object({ key: str(), code: str(), message: str() })),
    failedCount: int(),
  };
  const media = (fields: Record<string, Schema>, optional?: string[]): Schema =>
    orNull(object(fields, optional));
  return {
    schemas: {
      Error: object({
        error: object(
          {
            code: str("Stable code, e.g. INVALID_ARGUMENT, NO_SEGMENTS, STORAGE_UNAVAILABLE."),
            message: str("What was wrong and how to fix it."),
            field: str("On 400: the parameter, header or body field at fault."),
          },
          ["field"],
        ),
      }),
      Time: { type: "string", format: "date-time", examples: ["2026-11-22T10:30:00.000Z"] },
      Health: object({ status: { const: "ok" }, storage: { const: "ok" } }, ["storage"]),
      Span: object({ ...rangeFields, duration: num("Seconds.") }),
      Recordings: object(
        {
          channel: str(),
          ...rangeFields,
          recorded: num("Seconds recorded in the range."),
          segments: int(),
          spans: arrayOf(ref("schemas", "Span")),
          gaps: arrayOf(ref("schemas", "Span")),
          summary: object({
            bucket: { type: "string", enum: ["hour", "day"] },
            buckets: arrayOf(
              object({
                ...rangeFields,
                duration: num(),
                recorded: num("Seconds recorded in the bucket."),
                coverage: num("Recorded share of the bucket, 0 to 1."),
              }),
            ),
          }),
        },
        ["summary"],
      ),
      ChannelStatus: { type: "string", enum: ["enabled", "disabled"] },
      LiveState: { type: "string", enum: ["Live", "Idle", "Disabled"] },
      ChannelSummary: object({
        ...channelFields,
        state: ref("schemas", "LiveState"),
        since: orNull(time()),
        heartbeatAge: orNull(num("Seconds since the recorder's heartbeat.")),
        lastSegmentTime: orNull(time()),
        hasSettings: bool(),
        hasRecordings: bool(),
      }),
      ChannelList: object(
        {
          channels: arrayOf(ref("schemas", "ChannelSummary")),
          truncated: { const: true },
        },
        ["truncated"],
      ),
      Channel: {
        allOf: [
          ref("schemas", "ChannelSummary"),
          object({
            settings: orNull(ref("schemas", "StoredSettings")),
            stat: ref("schemas", "Stat"),
          }),
        ],
      },
      StoredSettings: object(
        {
          schema: { const: 1 },
          channel: str(),
          description: str(),
          status: ref("schemas", "ChannelStatus"),
          liveWindow: int(),
          createdAt: time(),
          updatedAt: time(),
        },
        ["liveWindow"],
      ),
      Settings: object({ ...channelFields, createdAt: time(), updatedAt: time() }),
      ChannelSettingsInput: {
        type: "object",
        additionalProperties: false,
        properties: {
          description: {
            type: "string",
            default: "",
            description: `At most ${DESCRIPTION_MAX_BYTES} bytes of UTF-8.`,
          },
          status: { ...ref("schemas", "ChannelStatus"), default: "enabled" },
          liveWindow: {
            type: "integer",
            minimum: 1,
            maximum: 100,
            description: "Segments in this channel's live playlist; left out: LIVE_WINDOW.",
          },
        },
      },
      ChannelStatusInput: {
        type: "object",
        additionalProperties: false,
        required: ["status"],
        properties: { status: ref("schemas", "ChannelStatus") },
      },
      ChannelDeleted: object(
        {
          channel: str(),
          purge: bool(),
          deleted: object({ recordings: int(), metadata: int() }),
          recordingsKept: bool(),
          complete: bool("False: call again to finish the purge."),
          ...deleteFailures,
        },
        ["failed", "failedCount"],
      ),
      Stat: object({
        channel: str(),
        state: ref("schemas", "LiveState"),
        since: orNull(time()),
        reason: str("Which fact decided the state."),
        heartbeatAge: orNull(num()),
        recorderState: orNull(
          str("recording, reconnecting, disabled, error or stopped, as the recorder says."),
        ),
        sourceState: orNull(
          str(
            "The capture side in detail, as the recorder says: connecting, waiting for publisher, recording, restarting, waiting for device, source unavailable or stopped (more may be added). Null from recorders that predate it.",
          ),
        ),
        settingsStatus: orNull(ref("schemas", "ChannelStatus")),
        source: orNull(str("Redacted.")),
        video: media({
          codec: orNull(str()),
          width: orNull(int()),
          height: orNull(int()),
          fps: orNull(num()),
          bitrate: orNull(num()),
        }),
        audio: media({ codec: orNull(str()), sampleRate: orNull(num()) }),
        lastSegment: media({ key: str(), ...rangeFields, duration: num() }),
        lastSegmentTime: orNull(time()),
        lastUploaded: media({ key: str(), at: time() }),
        uploadBacklog: media({ segments: int(), bytes: int() }),
        diskFreeBytes: orNull(int()),
        dropped: orNull(int("Segments dropped unuploaded since the recorder started.")),
        lastError: media(
          {
            at: time(),
            code: str(),
            message: str("Redacted."),
            source: { type: "string", enum: ["upload", "capture", "disk"] },
          },
          ["code", "source"],
        ),
        clock: media({
          synchronised: bool(
            "The recorder's clock is trusted. Heartbeats reach the bucket only then; while it is not, segments are held on the recorder (its /healthz says so).",
          ),
          since: orNull(time()),
          held: int("Segments recorded before it was, not yet keyed."),
        }),
        hostname: orNull(str()),
        recorderVersion: orNull(str()),
        heartbeatAt: orNull(time()),
        heartbeatInterval: orNull(num("Seconds.")),
      }),
      History: object({
        channel: str(),
        limit: int(),
        runs: arrayOf(
          object({
            run: int(),
            start: time(),
            end: orNull(time()),
            endReason: orNull(str()),
            duration: orNull(num("Seconds; null while running.")),
            source: str("Redacted."),
            remoteAddress: orNull(
              str("The publisher's address (RTMP); null for readers without the token."),
            ),
            media: orNull({ type: "object" }),
            hostname: str(),
            recorderVersion: str(),
          }),
        ),
      }),
      RecordingsDeleted: object(
        {
          channel: str(),
          ...rangeFields,
          deleted: int("Segments S3 confirmed deleted."),
          bytes: int(),
          kept: arrayOf(object({ key: str(), ...rangeFields })),
          ...deleteFailures,
        },
        ["bytes", "failed", "failedCount"],
      ),
      PlaylistName: {
        type: "string",
        pattern: VOD_PLAYLIST_NAME.source,
        description: "Not ending in `.m3u8`.",
      },
      VodPlaylistRequest: {
        type: "object",
        additionalProperties: false,
        required: ["name", "start", "end"],
        properties: {
          name: ref("schemas", "PlaylistName"),
          start: ref("schemas", "TimeInput"),
          end: ref("schemas", "TimeInput"),
        },
      },
      TimeInput: {
        type: ["string", "number"],
        description: timeInput,
      },
      StoredPlaylist: object(
        {
          name: str(),
          channel: str(),
          key: str(),
          url: str("Public URL, when S3_HOSTING_URL is set."),
          ...rangeFields,
          segments: int(),
          firstSegmentStart: time(),
          lastSegmentEnd: time(),
          complete: bool("False: the range is not over, later segments are missing."),
        },
        ["url"],
      ),
      VodPlaylistList: object(
        {
          channel: str(),
          playlists: arrayOf(
            object(
              {
                name: str(),
                key: str(),
                url: str(),
                size: orNull(int()),
                lastModified: orNull(time()),
              },
              ["url"],
            ),
          ),
          truncated: { const: true },
          next: str("Pass as `after` for the next page."),
        },
        ["truncated", "next"],
      ),
      VodPlaylist: object(
        {
          name: str(),
          channel: str(),
          key: str(),
          url: str(),
          start: orNull(time()),
          end: orNull(time()),
          segments: int(),
          lastModified: orNull(time()),
          playlist: str("The stored M3U8 text."),
        },
        ["url"],
      ),
      SessionRequest: {
        type: "object",
        additionalProperties: false,
        required: ["mode"],
        description:
          "`range` (a playlist) and `clip` (one MPEG-TS file) need `start` and `end`; `live` takes neither.",
        properties: {
          mode: { type: "string", enum: [...SESSION_MODES] },
          start: ref("schemas", "TimeInput"),
          end: ref("schemas", "TimeInput"),
          expiresIn: {
            type: "integer",
            minimum: SESSION_MIN_SECONDS,
            maximum: SESSION_MAX_SECONDS,
            default: SESSION_DEFAULT_SECONDS,
            description: "Seconds the URL stays valid.",
          },
        },
      },
      Session: object(
        {
          url: str("Absolute URL (`live.m3u8`, `vod.m3u8` or `clip.ts`, signed)."),
          path: str("The same without scheme and host."),
          channel: str(),
          mode: { type: "string", enum: [...SESSION_MODES] },
          ...rangeFields,
          expiresIn: int(),
          expiresAt: time(),
        },
        ["start", "end"],
      ),
    },
    parameters: {
      channel: pathParam("ch", "Channel name.", {
        type: "string",
        pattern: CHANNEL_NAME_PATTERN.source,
      }),
      start: query("start", `Range start: ${timeInput}`, str(), true),
      end: query("end", "Range end (required unless `duration` is given).", str()),
      duration: query("duration", "Seconds from `start`, instead of `end`.", {
        type: "number",
        exclusiveMinimum: 0,
      }),
      ifNoneMatch: {
        name: "If-None-Match",
        in: "header",
        description: "An ETag from an earlier answer: 304 when unchanged.",
        schema: str(),
      },
    },
    headers: {
      ETag: { description: "Strong validator of the body.", schema: str() },
      RetryAfter: { description: "Seconds to wait before retrying.", schema: int() },
      WWWAuthenticate: { description: '`Bearer realm="kiroku"`', schema: str() },
    },
    responses: {
      NotModified: { description: "Unchanged since the ETag given in If-None-Match." },
      BadRequest: problem(
        "Bad input, `field` naming it: INVALID_CHANNEL, INVALID_ARGUMENT, RANGE_TOO_LONG (over MAX_RANGE_HOURS), INVALID_NAME; for JSON bodies UNSUPPORTED_CONTENT_TYPE or MALFORMED_JSON.",
      ),
      Unauthorized: problem(
        "AUTH_REQUIRED or INVALID_TOKEN; on reads also SIGNED_URLS_DISABLED (a signed URL, but the server has no signing key).",
        { "WWW-Authenticate": ref("headers", "WWWAuthenticate") },
      ),
      SignatureRefused: problem(
        "INVALID_SIGNATURE (not for this channel, resource, range or expiry) or SIGNATURE_EXPIRED.",
      ),
      SignedUrlNotAccepted: problem(
        "SIGNATURE_SCOPE: a signed playback URL does not open channel metadata (or INVALID_SIGNATURE, SIGNATURE_EXPIRED).",
      ),
      WritesDisabled: problem("WRITES_DISABLED: the server has no API_TOKEN, so it is read-only."),
      BodyTooLarge: problem(`BODY_TOO_LARGE: the JSON body is over ${JSON_BODY_MAX_BYTES} bytes.`),
      StorageError: problem(
        "The bucket refused or failed: BUCKET_NOT_FOUND, STORAGE_ACCESS_DENIED, STORAGE_ERROR.",
      ),
      StorageUnavailable: problem(
        "STORAGE_UNAVAILABLE: object storage is unreachable or overloaded.",
        {
          "Retry-After": ref("headers", "RetryAfter"),
        },
      ),
    },
    securitySchemes: {
      bearerToken: {
        type: "http",
        scheme: "bearer",
        description: "`Authorization: Bearer <API_TOKEN>`. Writes always need it.",
      },
      signedUrlExp: {
        type: "apiKey",
        in: "query",
        name: "exp",
        description: "Expiry of a signed playback URL (Unix seconds); goes with `sig`.",
      },
      signedUrlSig: {
        type: "apiKey",
        in: "query",
        name: "sig",
        description:
          "base64url HMAC-SHA256 over channel, resource, range and `exp` (SIGNING_SECRET). Issued by POST /v1/channels/{ch}/sessions and in proxied segment URIs.",
      },
    },
  };
}
