import type { SegmentListEntry } from "./segment-list";

/**
 * Where a verified segment sits in its attempt's stream time, from its own
 * timestamps (ts-verify.ts) rather than from ffmpeg's csv line alone.
 *
 * The csv says `start,end` in seconds of stream time; the media says its
 * first PTS and its duration. One attempt's ffmpeg writes continuous
 * timestamps (`-reset_timestamps 0`), so the first segment of the attempt
 * ties the two together (PTS at csv time 0), and from then on every
 * segment's start can be read from its PTS:
 *
 * - When the media agrees with the csv (±50 ms: video and audio cuts differ
 *   by up to an audio frame), the csv's figures are kept: they are exact and
 *   continuous, so one segment ends where the next begins.
 * - When they disagree, the media wins: a torn segment trimmed to its last
 *   complete frame ends where its media ends, however long the csv said it
 *   was; a start that does not match the PTS is taken from the PTS.
 */
export interface SegmentMedia {
  /** First PTS over video and audio (90 kHz, 33-bit). */
  startPts: number;
  durationMs: number;
  /** The file was cut to its last complete frame. */
  trimmed: boolean;
}

export interface TimedEntry {
  entry: SegmentListEntry;
  /** Why the csv was not followed, for the log. */
  corrected?: string;
}

const PTS_HZ = 90_000;
const WRAP = 2 ** 33;
const TOLERANCE_S = 0.05;

export class MediaTimeline {
  private basePts: number | undefined;

  /** The stream-time entry of a segment, its csv line corrected by its media. */
  place(csv: SegmentListEntry, media: SegmentMedia): TimedEntry {
    if (this.basePts === undefined) {
      this.basePts = mod(media.startPts - Math.round(csv.startS * PTS_HZ));
    }
    const fromPts = signed(mod(media.startPts - this.basePts)) / PTS_HZ;
    const notes: string[] = [];
    let startS = csv.startS;
    if (Math.abs(fromPts - csv.startS) > TOLERANCE_S) {
      notes.push(`start ${fmt(fromPts)} s by PTS, csv says ${fmt(csv.startS)} s`);
      startS = fromPts;
    }
    const mediaEndS = startS + media.durationMs / 1000;
    let endS = csv.endS;
    if (media.trimmed || Math.abs(mediaEndS - csv.endS) > TOLERANCE_S || startS !== csv.startS) {
      if (!media.trimmed) {
        notes.push(
          `lasts ${media.durationMs} ms by PTS, csv says ${Math.round((csv.endS - csv.startS) * 1000)} ms`,
        );
      }
      endS = mediaEndS;
    }
    return {
      entry: { name: csv.name, startS, endS },
      ...(notes.length > 0 ? { corrected: notes.join("; ") } : {}),
    };
  }
}

function mod(v: number): number {
  return ((v % WRAP) + WRAP) % WRAP;
}

/** A 33-bit difference as a signed number (PTS wrap-around). */
function signed(v: number): number {
  return v >= WRAP / 2 ? v - WRAP : v;
}

function fmt(s: number): string {
  return s.toFixed(3);
}
