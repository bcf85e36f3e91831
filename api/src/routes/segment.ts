import { GetObjectCommand, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { z } from "@hono/zod-openapi";
import { KirokuError, NotFoundError, parseSegmentKey, ValidationError } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { accessOf } from "../access/context";
import { immutableCacheControl } from "../http/http-cache";
import { isNotFound, toStorageError } from "../http/storage-error";
import { channelName, problem } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /v1/channels/:ch/segments/:day/:name` (SEGMENT_URLS=proxy): streams one
 * segment from S3, honouring a single `Range` (206 + Content-Range), for
 * buckets that players cannot reach. Only names the key schema can parse are
 * served, so nothing outside the channel's segments is reachable. Segments
 * never change: immutable caching.
 */
export const segmentRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/segments/{day}/{name}",
    operationId: "getSegment",
    tag: "playback",
    summary: "One segment through the API",
    description:
      "The segment URIs of playlists when SEGMENT_URLS=proxy, each signed for its one segment. A single `Range` is honoured.",
    access: "playback",
    storage: true,
    params: z.object({
      ch: channelName,
      day: z.string().openapi({
        param: { name: "day", in: "path" },
        description: "UTC day of the segment.",
        format: "date",
      }),
      name: z.string().openapi({
        param: { name: "name", in: "path" },
        description: "Segment file name.",
        examples: ["10-30-00.000Z_30000ms_r1_s42.ts"],
      }),
    }),
    headers: z.object({
      Range: z.string().optional().openapi({
        description:
          "One byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`); others are ignored.",
      }),
    }),
    responses: {
      "200": { description: "The segment.", content: { "video/mp2t": {} } },
      "206": {
        description: "The requested byte range.",
        headers: z.object({
          "Content-Range": z.string().openapi({ description: "`bytes a-b/size`" }),
        }),
        content: { "video/mp2t": {} },
      },
      "400": problem("INVALID_SEGMENT: not a segment name; or INVALID_CHANNEL."),
      "404": problem("SEGMENT_NOT_FOUND."),
      "416": problem("RANGE_NOT_SATISFIABLE: the range is outside the segment."),
    },
  }),
  (deps) =>
    async (c, { params }) => {
      const { ch: channel, day, name } = params;
      const key = `${deps.config.movieKey}/${channel}/${day}/${name}`;
      if (!parseSegmentKey(deps.config.movieKey, key)) {
        throw new ValidationError(
          "segment",
          `"${`${day}/${name}`.slice(0, 100)}" is not a segment name (YYYY-MM-DD/HH-mm-ss.SSSZ_<ms>ms_r<run>_s<seq>.ts)`,
          "INVALID_SEGMENT",
        );
      }
      authorizeScope(deps.config, accessOf(c), {
        channel,
        resource: "segment",
        name: `${day}/${name}`,
      });
      const range = parseRangeHeader(c.req.header("Range"));
      let out: GetObjectCommandOutput;
      try {
        out = await deps.s3.send(
          new GetObjectCommand({
            Bucket: deps.config.s3.bucket,
            Key: key,
            ...(range ? { Range: range } : {}),
          }),
          { abortSignal: c.req.raw.signal },
        );
      } catch (err) {
        if (isNotFound(err)) {
          throw new NotFoundError(
            "SEGMENT_NOT_FOUND",
            `segment ${day}/${name} of channel ${channel} does not exist`,
          );
        }
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === "InvalidRange" || e.$metadata?.httpStatusCode === 416) {
          throw new KirokuError(
            "RANGE_NOT_SATISFIABLE",
            `Range ${range} is outside segment ${day}/${name}`,
            416,
          );
        }
        throw toStorageError(err, `reading ${key}`);
      }
      if (!out.Body)
        throw new KirokuError("STORAGE_ERROR", `object storage returned no body for ${key}`, 502);
      const headers: Record<string, string> = {
        "Content-Type": "video/mp2t",
        "Accept-Ranges": "bytes",
        "Cache-Control": immutableCacheControl(deps.config.publicPlayback, Infinity, deps.now()),
      };
      if (out.ContentLength !== undefined) headers["Content-Length"] = String(out.ContentLength);
      if (out.ETag) headers.ETag = out.ETag;
      if (out.ContentRange) headers["Content-Range"] = out.ContentRange;
      const status = range && out.ContentRange ? 206 : 200;
      return new Response(out.Body.transformToWebStream() as ReadableStream<Uint8Array>, {
        status,
        headers,
      });
    },
);

/**
 * A single byte range (`bytes=0-99`, `bytes=100-`, `bytes=-500`) to pass to
 * S3, or undefined: RFC 9110 lets a server ignore a Range it does not
 * support (several ranges, other units, bad syntax) and send the whole body.
 */
export function parseRangeHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === "" && b === "") return undefined;
  if (a !== "" && b !== "" && Number(b) < Number(a)) return undefined;
  return `bytes=${a}-${b}`;
}
