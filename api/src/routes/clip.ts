import { GetObjectCommand, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { z } from "@hono/zod-openapi";
import { formatTime, KirokuError, NotFoundError, type StoredSegment } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { type ApiDeps, accessOf, listRange } from "../access/context";
import { toStorageError } from "../http/storage-error";
import { compactUtc, rangeQuery } from "../http/time-range";
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
      const { range } = query;
      authorizeScope(deps.config, accessOf(c), { channel, resource: "clip", ...range });
      const segments = await listRange(deps, channel, range, c.req.raw.signal);
      if (segments.length === 0) {
        throw new NotFoundError(
          "NO_SEGMENTS",
          `no segments of channel ${channel} between ${formatTime(range.startMs)} and ${formatTime(range.endMs)}`,
        );
      }
      const sizes = segments.map((s) => s.size);
      const total = sizes.every((s) => s !== undefined)
        ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0)
        : undefined;
      if (total !== undefined && total > deps.config.clipMaxBytes) {
        throw new KirokuError(
          "CLIP_TOO_LARGE",
          `the clip would be ${total} bytes, over CLIP_MAX_BYTES (${deps.config.clipMaxBytes}): ask for a shorter range, or use vod.m3u8`,
          413,
        );
      }
      const first = segments[0]!;
      const last = segments[segments.length - 1]!;
      const filename = `${channel}_${compactUtc(range.startMs)}-${compactUtc(range.endMs)}.ts`;
      const headers: Record<string, string> = {
        "Content-Type": "video/mp2t",
        "Content-Disposition": `attachment; filename="${filename}"`,
        "Cache-Control": "private, no-store",
        "X-Kiroku-Clip-Start": formatTime(first.startMs),
        "X-Kiroku-Clip-End": formatTime(last.startMs + last.durationMs),
        "X-Kiroku-Segments": String(segments.length),
      };
      if (total !== undefined) headers["Content-Length"] = String(total);
      // HEAD: the same checks and headers without touching a segment, so a page
      // can learn of a 404 or 413 before handing the URL to the browser's downloads.
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });
      const abort = new AbortController();
      c.req.raw.signal.addEventListener("abort", () => abort.abort(), { once: true });
      const open = (seg: StoredSegment) => openSegment(deps, seg, abort.signal);
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

async function openSegment(
  deps: ApiDeps,
  seg: StoredSegment,
  abortSignal: AbortSignal,
): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  let out: GetObjectCommandOutput;
  try {
    out = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: seg.key }),
      {
        abortSignal,
      },
    );
  } catch (err) {
    throw toStorageError(err, `reading ${seg.key}`);
  }
  if (!out.Body)
    throw new KirokuError("STORAGE_ERROR", `object storage returned no body for ${seg.key}`, 502);
  if (seg.size !== undefined && out.ContentLength !== undefined && out.ContentLength !== seg.size) {
    throw new KirokuError(
      "SEGMENT_CHANGED",
      `segment ${seg.key} is ${out.ContentLength} bytes, the listing said ${seg.size}`,
      502,
    );
  }
  return out.Body.transformToWebStream().getReader() as ReadableStreamDefaultReader<Uint8Array>;
}
