import type { EnvReader } from "@kiroku/shared";

/** THUMBNAILS and THUMBNAIL_WIDTH: one small JPEG per completed segment. */
export interface ThumbnailConfig {
  /** THUMBNAILS=on|off (default on). */
  enabled: boolean;
  /** THUMBNAIL_WIDTH in pixels (default 320); the height keeps the aspect ratio. */
  width: number;
}

export const THUMBNAIL_DEFAULTS: ThumbnailConfig = { enabled: true, width: 320 };

/** Reads the thumbnail settings into `reader` (problems are collected there). */
export function readThumbnailConfig(reader: EnvReader): ThumbnailConfig {
  const enabled = reader.bool("THUMBNAILS", THUMBNAIL_DEFAULTS.enabled);
  const width = reader.int("THUMBNAIL_WIDTH", THUMBNAIL_DEFAULTS.width, 16, 3840);
  // Odd widths make ffmpeg's JPEG encoder pad: keep what is asked for exact.
  if (width % 2 !== 0) reader.problem(`THUMBNAIL_WIDTH must be even, got ${width}`);
  return { enabled, width };
}
