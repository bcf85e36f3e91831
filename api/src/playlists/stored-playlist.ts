import { z } from "@hono/zod-openapi";
import {
  describeInput,
  parseSegmentKey,
  type StoredSegment,
  ValidationError,
  VOD_PLAYLIST_NAME,
  vodPlaylistKey,
} from "@kiroku/shared";
import { API_DEFAULTS } from "../api-defaults";
import { jsonObject } from "../http/json-body";
import { bodyRange, bodyTime, type TimeRange } from "../http/time-range";
import { asIssue, parseWith } from "../http/validation";
import { playlistEntry, renderRangePlaylist } from "./m3u8";

/**
 * Stored VOD playlists (OSS PostVodPlaylist / GetVodPlaylist): an M3U8 object
 * written beside the channel's segments, at `movie/cam1/vod/{name}.m3u8`,
 * whose segment URIs are relative (`../2026-11-22/10-30-00.000Z_…ts`). It
 * plays straight from the bucket's static hosting or a CDN, with no API and
 * no expiring signatures: as long as the segments exist, the playlist works.
 */

/** Validates a stored playlist name (400 INVALID_NAME naming `field`). */
export function parsePlaylistName(value: unknown, field = "name"): string {
  if (typeof value !== "string" || !VOD_PLAYLIST_NAME.test(value) || value.endsWith(".m3u8")) {
    const shown = describeInput(value, 80);
    throw new ValidationError(
      field,
      `${field} ${shown} is not a valid playlist name: use 1 to 64 of A-Z, a-z, 0-9, "_", "-" and "." (not starting with a dot, without .m3u8)`,
      "INVALID_NAME",
    );
  }
  return value;
}

/**
 * A stored playlist name in a path, a query or a body, checked by
 * `parsePlaylistName` (whatever its JSON type). `required` is the message
 * when it is left out.
 */
export function playlistName(field: string, description: string, required?: string) {
  return z
    .preprocess(
      (value, ctx) => {
        if (value === undefined || typeof value === "string") return value;
        asIssue(ctx, () => parsePlaylistName(value, field));
        return z.NEVER;
      },
      z.string({ error: required }).superRefine((value, ctx) => {
        asIssue(ctx, () => parsePlaylistName(value, field));
      }),
    )
    .openapi({
      description: `${description} 1 to 64 of A-Z, a-z, 0-9, \`_\`, \`-\` and \`.\`, not starting with a dot, not ending in \`.m3u8\`.`,
      pattern: VOD_PLAYLIST_NAME.source,
      example: "front-door-2026-11-22",
    });
}

export interface StoredPlaylistRequest extends TimeRange {
  name: string;
}

/** The body of `POST /v1/channels/:ch/vod-playlists`: `{name, start, end}`, each checked. */
export function storedPlaylistRequestSchema(maxRangeHours: number) {
  return jsonObject({
    name: playlistName(
      "name",
      "The stored playlist's name.",
      "name is required: the stored playlist's name, e.g. front-door-2026-11-22",
    ),
    start: bodyTime("start"),
    end: bodyTime("end"),
  }).transform((body, ctx): StoredPlaylistRequest => {
    let range: TimeRange | undefined;
    asIssue(ctx, () => {
      range = bodyRange(body, maxRangeHours);
    });
    return range ? { name: body.name, ...range } : z.NEVER;
  });
}

/** `{name, start, end}` from a POST body, by `storedPlaylistRequestSchema`. */
export function parseStoredPlaylistRequest(
  body: unknown,
  maxRangeHours: number,
): StoredPlaylistRequest {
  return parseWith(storedPlaylistRequestSchema(maxRangeHours), body);
}

/** `../2026-11-22/10-30-00.000Z_2000ms_r1_s0.ts`: a segment seen from the channel's `vod/` folder. */
export function relativeSegmentUri(movieKey: string, channel: string, key: string): string {
  const prefix = `${movieKey}/${channel}/`;
  if (!key.startsWith(prefix)) throw new RangeError(`${key} is not a key of channel ${channel}`);
  return `../${key.slice(prefix.length)}`;
}

/** The segment a relative URI of a stored playlist names, or undefined for anything else. */
export function segmentOfRelativeUri(
  movieKey: string,
  channel: string,
  uri: string,
): StoredSegment | undefined {
  const m = /^\.\.\/(\d{4}-\d{2}-\d{2}\/[^/?#]+\.ts)$/.exec(uri);
  if (!m) return undefined;
  const seg = parseSegmentKey(movieKey, `${movieKey}/${channel}/${m[1]}`);
  return seg?.channel === channel ? seg : undefined;
}

/**
 * The stored playlist's text: a VOD playlist (ENDLIST: it is a snapshot of
 * what was in the bucket when it was made) starting playback at `start`,
 * with a discontinuity at each restart or gap, relative segment URIs.
 */
export function renderStoredPlaylist(
  movieKey: string,
  channel: string,
  segments: readonly StoredSegment[],
  requestedStartMs: number,
): string {
  return renderRangePlaylist({
    entries: segments.map((s) => playlistEntry(s, relativeSegmentUri(movieKey, channel, s.key))),
    requestedStartMs,
    type: "VOD",
    gapToleranceMs: API_DEFAULTS.GAP_TOLERANCE_MS,
  });
}

/**
 * The stored playlist rewritten for playback through the API: each relative
 * URI replaced by `uri(segment)` (presigned, public or proxied, as the API is
 * configured). Lines that are not segment URIs are kept as they are.
 */
export function rewriteStoredPlaylist(
  text: string,
  movieKey: string,
  channel: string,
  uri: (seg: StoredSegment) => string,
): string {
  return text
    .split("\n")
    .map((line) => {
      if (line.startsWith("#") || line === "") return line;
      const seg = segmentOfRelativeUri(movieKey, channel, line.trim());
      return seg ? uri(seg) : line;
    })
    .join("\n");
}

/** Public URL of a stored playlist under S3_HOSTING_URL, when there is one. */
export function storedPlaylistUrl(
  hostingUrl: string | undefined,
  movieKey: string,
  channel: string,
  name: string,
): string | undefined {
  return hostingUrl ? `${hostingUrl}/${vodPlaylistKey(movieKey, channel, name)}` : undefined;
}
