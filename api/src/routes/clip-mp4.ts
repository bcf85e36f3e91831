import { z } from "@hono/zod-openapi";
import { formatTime, KirokuError } from "@kiroku/shared";
import { rangeQuery } from "../http/time-range";
import { remuxToFragmentedMp4 } from "../media/fmp4-remux";
import { openAhead, openSegmentBody } from "../media/segment-body";
import { clipRequest } from "./clip-request";
import { channelParams, problem } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /v1/channels/:ch/clip.mp4?start&end|duration`: the range remuxed
 * (no re-encoding) into one fragmented MP4 that phones, galleries and a
 * plain `<video>` open. It starts at the keyframe at or before `start` (no
 * edit list: the frames before `start` in that group of pictures are
 * shown) and ends with the last segment overlapping `end`; gaps between
 * recording runs are left out of its timeline. Streamed as it is built:
 * each segment is demuxed as its bytes arrive (a window of
 * SEGMENT_WINDOW_BYTES), with the next one's GET opened ahead, and the MP4
 * goes out a fragment per second, so memory stays within a segment
 * whatever the clip's length.
 *
 * The same checks and headers as clip.ts (clip-request.ts). The MP4's
 * length is known only once written, so there is no Content-Length.
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
      const { segments, headers } = await clipRequest(deps, c, channel, range, {
        extension: "mp4",
        contentType: "video/mp4",
      });
      const first = segments[0]!;
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });

      const abort = new AbortController();
      c.req.raw.signal.addEventListener("abort", () => abort.abort(), { once: true });
      const source = openAhead(
        async (seg) => ({
          key: seg.key,
          run: seg.run,
          seq: seg.seq,
          startMs: seg.startMs,
          body: await openSegmentBody(deps, seg, abort.signal),
        }),
        segments,
      );
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
