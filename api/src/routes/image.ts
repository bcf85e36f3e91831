import { z } from "@hono/zod-openapi";
import { formatTime, KirokuError, NotFoundError, parseTime } from "@kiroku/shared";
import { accessOf } from "../access/context";
import { asIssue } from "../http/validation";
import {
  authorizeRangeSession,
  listThumbnails,
  nearestAtOrBefore,
  readThumbnail,
} from "../media/thumbnails";
import { channelParams, problem } from "./common-schemas";
import { apiRoute } from "./endpoint";

/** A time in a query, checked by `parseTime` (its 400 names `field`). */
function timeField(field: string, description: string, required?: string) {
  return z
    .string({ error: required })
    .superRefine((text, ctx) => {
      asIssue(ctx, () => parseTime(text, field));
    })
    .transform((text) => parseTime(text, field))
    .openapi({ description, example: "2026-11-22T19:30:00+09:00" });
}

/** `at` and, for a signed URL, the session's range it must fall in. */
export const imageQuery = z
  .object({
    at: timeField(
      "at",
      "The time to show: ISO 8601 with an offset, or epoch seconds (12 or more digits: milliseconds).",
      "at is required: give the time as ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds",
    ),
    start: timeField(
      "start",
      "With a signed range session's `exp` and `sig`: its start.",
    ).optional(),
    end: timeField("end", "With a signed range session's `exp` and `sig`: its end.").optional(),
  })
  .openapi("ImageQuery");

/**
 * `GET /v1/channels/:ch/image.jpg?at=` (the GetImages of one instant): the
 * thumbnail of the segment playing at `at` (its first keyframe), or in a
 * gap of the last segment before it, up to two segment durations back.
 * Streamed through the API (a few kB), so an `<img>` with a signed URL
 * works in every SEGMENT_URLS mode. A signed range session opens the images
 * of its range: pass its `start`, `end`, `exp` and `sig` with `at` inside.
 */
export const imageRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/channels/{ch}/image.jpg",
    operationId: "getImage",
    tag: "playback",
    summary: "The thumbnail nearest at or before a time",
    description:
      "The first keyframe of the segment playing at `at` (or of the last one before it, within two segment durations), as a small JPEG. X-Kiroku-Image-Time says when it was taken. With a signed range session, add its `start`, `end`, `exp` and `sig`; `at` must be inside that range.",
    access: "playback",
    storage: true,
    params: channelParams,
    query: imageQuery,
    responses: {
      "200": {
        description: "The JPEG.",
        headers: z.object({
          "X-Kiroku-Image-Time": z
            .string()
            .openapi({ description: "When the image was taken (its segment's start)." }),
        }),
        content: { "image/jpeg": {} },
      },
      "404": problem("NO_IMAGE: no thumbnail at or within two segment durations before `at`."),
    },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const access = accessOf(c);
      if (access.kind === "signed") {
        if (query.start === undefined || query.end === undefined) {
          throw new KirokuError(
            "INVALID_SIGNATURE",
            "a signed image URL needs the session's start and end beside exp and sig",
            403,
          );
        }
        const range = { startMs: query.start, endMs: query.end };
        authorizeRangeSession(deps, access, channel, range);
        if (query.at < range.startMs || query.at >= range.endMs) {
          throw new KirokuError(
            "INVALID_SIGNATURE",
            `at (${formatTime(query.at)}) is outside the signed range ${formatTime(range.startMs)} to ${formatTime(range.endMs)}`,
            403,
          );
        }
      }
      const backMs = 2 * deps.config.targetDuration * 1000;
      const thumbnails = await listThumbnails(
        deps,
        channel,
        { startMs: query.at - backMs, endMs: query.at + 1 },
        c.req.raw.signal,
      );
      const found = nearestAtOrBefore(thumbnails, query.at, deps.config.targetDuration);
      if (!found) {
        throw new NotFoundError(
          "NO_IMAGE",
          `no image of channel ${channel} at ${formatTime(query.at)} or within ${backMs / 1000} s before it`,
        );
      }
      const bytes = await readThumbnail(deps, found.key, c.req.raw.signal);
      return new Response(bytes, {
        status: 200,
        headers: {
          "Content-Type": "image/jpeg",
          "Content-Length": String(bytes.byteLength),
          // A later upload can fill a gap: short, and private unless playback is public.
          "Cache-Control": `${deps.config.publicPlayback ? "public" : "private"}, max-age=60`,
          "X-Kiroku-Image-Time": formatTime(found.startMs),
        },
      });
    },
);
