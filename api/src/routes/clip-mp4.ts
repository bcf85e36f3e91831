import { z } from "@hono/zod-openapi";
import { formatTime, KirokuError, NotFoundError } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { accessOf, listRange } from "../access/context";
import { compactUtc, rangeQuery } from "../http/time-range";
import { remuxToFragmentedMp4 } from "../media/fmp4-remux";
import { readAhead, readSegmentBytes } from "../media/segment-bytes";
import { channelParams, problem } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /v1/channels/:ch/clip.mp4?start&end|duration`: the range remuxed
 * (no re-encoding) into one fragmented MP4 that phones, galleries and a
 * plain `<video>` open. It starts at the keyframe at or before `start` (no
 * edit list: the frames before `start` in that group of pictures are
 * shown) and ends with the last segment overlapping `end`; gaps between
 * recording runs are left out of its timeline. Streamed as it is built:
 * one segment is remuxed while the next is fetched, so memory stays at a
 * segment or two whatever the clip's length.
 *
 * The same checks as clip.ts: the same access (a signed clip session's
 * query opens both files), 404 for an empty range, 413 before any byte when
 * the segments add up to more than CLIP_MAX_BYTES (the MP4 is a little
 * smaller than its MPEG-TS, so the TS sizes are a safe bound), HEAD with
 * the same headers without reading a segment. The MP4's length is known
 * only once written, so there is no Content-Length.
 */
export const clipMp4Route = apiRoute(
  (limits) => ({
    method: "get",
    path: "/v1/channels/{ch}/clip.mp4",
    operationId: "getClipMp4",
    tag: "playback",
    summary: "The range as one MP4 download (remuxed, streamed)",
    description:
      "Fragmented MP4 (H.264, AAC when recorded), built without re-encoding and streamed as it is built. Starts at the keyframe at or before `start` (X-Kiroku-Clip-Start says when; HEAD gives the first segment's start) and ends with the last segment overlapping the range; gaps between recording runs are left out. HEAD answers the same checks and headers without reading a segment.",
    access: "playback",
    storage: true,
    params: channelParams,
    query: rangeQuery(limits.maxRangeHours),
    responses: {
      "200": {
        description: "The clip, streamed.",
        headers: z.object({
          "Content-Disposition": z
            .string()
            .openapi({ description: '`attachment; filename="{ch}_{start}-{end}.mp4"`' }),
          "X-Kiroku-Clip-Start": z
            .string()
            .openapi({ description: "Time of the keyframe the file starts at." }),
          "X-Kiroku-Clip-End": z.string().openapi({ description: "End of the last segment." }),
          "X-Kiroku-Segments": z.int().openapi({ description: "Segments the clip draws on." }),
        }),
        content: { "video/mp4": {} },
      },
      "404": problem("NO_SEGMENTS: the range holds no segment."),
      "413": problem(
        "CLIP_TOO_LARGE: the segments are over CLIP_MAX_BYTES (refused before any byte).",
      ),
      "422": problem(
        "UNSUPPORTED_MEDIA: the first segment has no H.264 or HEVC video to put in an MP4 (use clip.ts).",
      ),
    },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { range } = query;
      // Resource "clip": the signature of a clip session opens clip.ts and clip.mp4 alike.
      authorizeScope(deps.config, accessOf(c), { channel, resource: "clip", ...range });
      const segments = await listRange(deps, channel, range, c.req.raw.signal);
      if (segments.length === 0) {
        throw new NotFoundError(
          "NO_SEGMENTS",
          `no segments of channel ${channel} between ${formatTime(range.startMs)} and ${formatTime(range.endMs)}`,
        );
      }
      const total = segments.reduce((sum, s) => sum + (s.size ?? 0), 0);
      if (total > deps.config.clipMaxBytes) {
        throw new KirokuError(
          "CLIP_TOO_LARGE",
          `the clip would draw on ${total} bytes of segments, over CLIP_MAX_BYTES (${deps.config.clipMaxBytes}): ask for a shorter range, or use vod.m3u8`,
          413,
        );
      }
      const first = segments[0]!;
      const last = segments[segments.length - 1]!;
      const filename = `${channel}_${compactUtc(range.startMs)}-${compactUtc(range.endMs)}.mp4`;
      const headers: Record<string, string> = {
        "Content-Type": "video/mp4",
        "Content-Disposition": `attachment; filename="${filename}"`,
        "Cache-Control": "private, no-store",
        "X-Kiroku-Clip-Start": formatTime(first.startMs),
        "X-Kiroku-Clip-End": formatTime(last.startMs + last.durationMs),
        "X-Kiroku-Segments": String(segments.length),
      };
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });

      const abort = new AbortController();
      c.req.raw.signal.addEventListener("abort", () => abort.abort(), { once: true });
      const source = readAhead((seg) => readSegmentBytes(deps, seg, abort.signal), segments);
      let clip: Awaited<ReturnType<typeof remuxToFragmentedMp4>>;
      try {
        clip = await remuxToFragmentedMp4(source, {
          fromMs: range.startMs,
          onStop: (reason, segment, err) => {
            if (abort.signal.aborted) return;
            deps.logger.warn(
              { err, channel, segment },
              `clip.mp4 ended early after the response started: ${reason}`,
            );
          },
        });
      } catch (err) {
        abort.abort();
        if (err instanceof KirokuError) throw err;
        throw new KirokuError(
          "UNSUPPORTED_MEDIA",
          `segment ${first.key} cannot be remuxed to MP4 (${err instanceof Error ? err.message : String(err)}): download clip.ts instead`,
          422,
        );
      }
      headers["X-Kiroku-Clip-Start"] = formatTime(clip.startMs);
      return new Response(clip.body, { status: 200, headers });
    },
);
