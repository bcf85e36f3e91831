import { validateChannelName } from "./channel-name";
import { channelPrefix } from "./segment-key";

/**
 * Keys of everything that is not a segment (README, "Storage layout").
 * Channel metadata lives under `{S3_MOVIE_KEY}/_meta/{channel}/`: `_meta` can
 * never be a channel name (names start with a letter or digit), so it is
 * outside every channel's segment prefix and a segment scan never reads it.
 *
 *   movie/_meta/cam1/settings.json          channel settings (API writes, recorder reads)
 *   movie/_meta/cam1/status.json            recorder heartbeat (recorder writes, API reads)
 *   movie/_meta/cam1/runs/{inv}_r{run}.json one record per recording run, newest first
 *   movie/cam1/vod/{name}.m3u8              stored VOD playlists, beside the segments
 */
export const META_FOLDER = "_meta";

export function metaPrefix(movieKey: string): string {
  return `${movieKey}/${META_FOLDER}/`;
}

export function channelMetaPrefix(movieKey: string, channel: string): string {
  return `${metaPrefix(movieKey)}${validateChannelName(channel)}/`;
}

export function settingsKey(movieKey: string, channel: string): string {
  return `${channelMetaPrefix(movieKey, channel)}settings.json`;
}

export function statusKey(movieKey: string, channel: string): string {
  return `${channelMetaPrefix(movieKey, channel)}status.json`;
}

export function runsPrefix(movieKey: string, channel: string): string {
  return `${channelMetaPrefix(movieKey, channel)}runs/`;
}

/** Inverted start time makes the newest run sort first, so "latest 10" is one small listing. */
const INVERT_FROM = 9_999_999_999_999;

export function runKey(movieKey: string, channel: string, run: number, startMs: number): string {
  const inverted = String(INVERT_FROM - startMs).padStart(13, "0");
  return `${runsPrefix(movieKey, channel)}${inverted}_r${run}.json`;
}

export function vodPlaylistPrefix(movieKey: string, channel: string): string {
  return `${channelPrefix(movieKey, channel)}vod/`;
}

/** Stored playlist names: 1 to 64 of a-z, A-Z, 0-9, `_`, `-`, `.`, not starting with a dot. */
export const VOD_PLAYLIST_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

export function vodPlaylistKey(movieKey: string, channel: string, name: string): string {
  return `${vodPlaylistPrefix(movieKey, channel)}${name}.m3u8`;
}
