import {
  parseSegmentKey,
  type StoredSegment,
  ValidationError,
  VOD_PLAYLIST_NAME,
  vodPlaylistKey,
} from "@kiroku/shared";
import { API_DEFAULTS } from "../api-defaults";
import { bodyRange } from "../http/body-fields";
import { rejectUnknownFields } from "../http/json-body";
import type { TimeRange } from "../http/time-range";
import { renderRangePlaylist } from "./m3u8";

/**
 * Stored VOD playlists (OSS PostVodPlaylist / GetVodPlaylist): an M3U8 object
 * written beside the channel's segments, at `movie/cam1/vod/{name}.m3u8`,
 * whose segment URIs are relative (`../2026-11-22/10-30-00.000Z_…ts`). It
 * plays straight from the bucket's static hosting or a CDN, with no API and
 * no expiring signatures: as long as the segments exist, the playlist works.
 */

/** Validates a stored playlist name (400 naming `name`). */
export function parsePlaylistName(value: unknown): string {
  if (typeof value !== "string" || !VOD_PLAYLIST_NAME.test(value) || value.endsWith(".m3u8")) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : String(value);
    throw new ValidationError(
      "name",
      `name ${shown} is not a valid playlist name: use 1 to 64 of A-Z, a-z, 0-9, "_", "-" and "." (not starting with a dot, without .m3u8)`,
      "INVALID_NAME",
    );
  }
  return value;
}

export interface StoredPlaylistRequest extends TimeRange {
  name: string;
}

/** `{name, start, end}` from a POST body; every problem a 400 naming its field. */
export function parseStoredPlaylistRequest(
  body: Record<string, unknown>,
  maxRangeHours: number,
): StoredPlaylistRequest {
  rejectUnknownFields(body, ["name", "start", "end"]);
  if (body.name === undefined) {
    throw new ValidationError(
      "name",
      "name is required: the stored playlist's name, e.g. front-door-2026-11-22",
    );
  }
  const name = parsePlaylistName(body.name);
  return { name, ...bodyRange(body, maxRangeHours) };
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
    entries: segments.map((s) => ({ ...s, uri: relativeSegmentUri(movieKey, channel, s.key) })),
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
