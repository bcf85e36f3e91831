import type { SegmentListEntry } from "./segment-list";

/**
 * The stream-time entry of a verified segment: its csv line, held to what
 * its media says (ts-verify.ts).
 *
 * ffmpeg's csv `start,end` are stream times it read from the packets at
 * each cut, exact and continuous (one segment ends where the next begins),
 * and the run clock keeps them that way. But the csv line says how long the
 * segment was when ffmpeg wrote it, not what is left of it on disk: a
 * segment torn by a crash or power cut and trimmed to its last complete
 * frame lasts only as long as its media, so its end is its start plus the
 * media's duration (never past the csv end, so it can never overlap the
 * next segment). A whole segment keeps its csv times; where its media
 * disagrees with them by more than 50 ms, that is reported for the log
 * (video and audio cuts differ by an audio frame at most, so a larger
 * difference means the csv or the file is not what it should be).
 */
export interface SegmentMedia {
  durationMs: number;
  /** The file was cut to its last complete frame. */
  trimmed: boolean;
}

export interface MediaEntry {
  entry: SegmentListEntry;
  /** A whole segment whose media disagrees with its csv line, for the log. */
  disagreement?: string;
}

/** Media and csv durations closer than this describe the same segment. */
const TOLERANCE_MS = 50;

export function mediaEntry(csv: SegmentListEntry, media: SegmentMedia): MediaEntry {
  const listedMs = (csv.endS - csv.startS) * 1000;
  if (media.trimmed) {
    const endS = Math.min(csv.endS, csv.startS + media.durationMs / 1000);
    return { entry: { ...csv, endS } };
  }
  if (Math.abs(media.durationMs - listedMs) > TOLERANCE_MS) {
    return {
      entry: csv,
      disagreement: `media lasts ${media.durationMs} ms, ffmpeg listed ${Math.round(listedMs)} ms`,
    };
  }
  return { entry: csv };
}
