import type { SegmentRef } from "@kiroku/shared";

/** What ffmpeg reported about the stream of one run (for status and the API's stat). */
export interface MediaInfo {
  videoCodec?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Video bitrate in bits per second, when known. */
  bitrate?: number;
  audioCodec?: string;
  audioSampleRate?: number;
}

/**
 * The one interface between capture and upload: "a segment is complete".
 * Capture emits it only after ffmpeg has listed the segment as closed and the
 * file has been moved into the channel's spool queue (`path`); from then on
 * the file's presence in the queue means "not yet safely in S3".
 */
export interface CompletedSegment extends SegmentRef {
  /** Absolute path of the file in the spool queue. */
  path: string;
  bytes: number;
  media?: MediaInfo;
}

/** Chronological order of segments (a sort comparator): start time, then sequence number. */
export function oldestFirst(
  a: { startMs: number; seq: number },
  b: { startMs: number; seq: number },
): number {
  return a.startMs - b.startMs || a.seq - b.seq;
}
