import { formatTime, KirokuError, NotFoundError, type StoredSegment } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { type ApiContext, type ApiDeps, accessOf, listRange } from "../access/context";
import { compactUtc, type TimeRange } from "../http/time-range";

/** What a clip download is: the segments it draws on and the answer's headers. */
export interface ClipRequest {
  segments: StoredSegment[];
  /** Bytes of the segments, when the listing gave every size. */
  totalBytes: number | undefined;
  headers: Record<string, string>;
}

/**
 * The checks and headers clip.ts and clip.mp4 share, all before any
 * segment is read: the same access (resource "clip", so the signature of a
 * clip session opens both files), 404 NO_SEGMENTS for an empty range, 413
 * CLIP_TOO_LARGE when the segments add up to more than CLIP_MAX_BYTES (the
 * MP4 is a little smaller than its MPEG-TS, so the TS sizes bound both),
 * and the attachment name and X-Kiroku-Clip-* headers. A HEAD answers with
 * these alone, so a page learns of a 404 or 413 before handing the URL to
 * the browser's downloads.
 */
export async function clipRequest(
  deps: ApiDeps,
  c: ApiContext,
  channel: string,
  range: TimeRange,
  file: { extension: "ts" | "mp4"; contentType: string },
): Promise<ClipRequest> {
  authorizeScope(deps.config, accessOf(c), { channel, resource: "clip", ...range });
  const segments = await listRange(deps, channel, range, c.req.raw.signal);
  if (segments.length === 0) {
    throw new NotFoundError(
      "NO_SEGMENTS",
      `no segments of channel ${channel} between ${formatTime(range.startMs)} and ${formatTime(range.endMs)}`,
    );
  }
  const known = segments.reduce((sum, s) => sum + (s.size ?? 0), 0);
  const totalBytes = segments.every((s) => s.size !== undefined) ? known : undefined;
  if (known > deps.config.clipMaxBytes) {
    throw new KirokuError(
      "CLIP_TOO_LARGE",
      `the clip would draw on ${known} bytes of segments, over CLIP_MAX_BYTES (${deps.config.clipMaxBytes}): ask for a shorter range, or use vod.m3u8`,
      413,
    );
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const filename = `${channel}_${compactUtc(range.startMs)}-${compactUtc(range.endMs)}.${file.extension}`;
  return {
    segments,
    totalBytes,
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
      "X-Kiroku-Clip-Start": formatTime(first.startMs),
      "X-Kiroku-Clip-End": formatTime(last.startMs + last.durationMs),
      "X-Kiroku-Segments": String(segments.length),
    },
  };
}
