import { z } from "@hono/zod-openapi";
import type { StoredSegment } from "@kiroku/shared";
import { rangeQuery } from "../http/time-range";
import { openSegmentBody } from "../media/segment-body";
import { clipRequest } from "./clip-request";
import { channelParams, problem } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /v1/channels/:ch/clip.ts?start&end|duration`: the segments overlapping
 * the range, streamed one after another as a single MPEG-TS file. Whole
 * segments: the file may begin up to one segment before `start` and end up
 * to one after `end` (X-Kiroku-Clip-Start/End say exactly). Nothing is
 * buffered beyond the chunk in flight; sizes come from the listing, so
 * Content-Length is exact and an oversized clip is refused (413) before any
 * byte. The first segment is opened before answering, so an unreachable
 * store is a 503, not a broken 200.
 */
export const clipRoute = apiRoute(
  (limits) => ({
    method: "get",
    path: "/v1/channels/{ch}/clip.ts",
    operationId: "getClip",
    tag: "playback",
    summary: "The range as one MPEG-TS download",
    description:
      "Whole segments, so the file may start and end up to one segment outside the range; the X-Kiroku-Clip-* headers say exactly. HEAD answers the same checks and headers without reading a segment.",
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
            .openapi({ description: '`attachment; filename="{ch}_{start}-{end}.ts"`' }),
          "X-Kiroku-Clip-Start": z.string().openapi({ description: "Start of the first segment." }),
          "X-Kiroku-Clip-End": z.string().openapi({ description: "End of the last segment." }),
          "X-Kiroku-Segments": z.int().openapi({ description: "Segments in the clip." }),
        }),
        content: { "video/mp2t": {} },
      },
      "404": problem("NO_SEGMENTS: the range holds no segment."),
      "413": problem("CLIP_TOO_LARGE: the clip is over CLIP_MAX_BYTES (refused before any byte)."),
    },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { segments, totalBytes, headers } = await clipRequest(deps, c, channel, query.range, {
        extension: "ts",
        contentType: "video/mp2t",
      });
      if (totalBytes !== undefined) headers["Content-Length"] = String(totalBytes);
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });
      const abort = new AbortController();
      c.req.raw.signal.addEventListener("abort", () => abort.abort(), { once: true });
      const open = async (seg: StoredSegment) =>
        (await openSegmentBody(deps, seg, abort.signal)).getReader();
      let reader = await open(segments[0]!);
      let index = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (!done) {
                controller.enqueue(value);
                return;
              }
              index++;
              if (index >= segments.length) {
                controller.close();
                return;
              }
              reader = await open(segments[index]!);
            }
          } catch (err) {
            deps.logger.error(
              { err, channel, segment: segments[index]?.key },
              "clip stream failed after the response started; the client gets a short file",
            );
            abort.abort();
            throw err;
          }
        },
        cancel() {
          abort.abort();
          void reader.cancel().catch(() => {});
        },
      });
      return new Response(stream, { status: 200, headers });
    },
);
