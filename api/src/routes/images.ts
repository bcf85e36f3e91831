import { z } from "@hono/zod-openapi";
import { formatTime, type StoredSegment } from "@kiroku/shared";
import { type Access, signedQuery } from "../access/auth";
import { type ApiDeps, accessOf } from "../access/context";
import { urlPolicy } from "../access/segment-urls";
import { rangeFields, resolveRange } from "../http/time-range";
import { authorizeRangeSession, listThumbnails, thinOut } from "../media/thumbnails";
import { channelParams, json, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";

/** Most images in one page (`limit`'s bound); the default is 100. */
export const IMAGES_PAGE_MAX = 1000;

/** A whole number of a query in [min, max], its 400 naming `field`. */
function boundedNumber(field: string, min: number, max: number, what: string, integer: boolean) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const n = Number(text);
      const ok =
        /^\d+(\.\d+)?$/.test(text) && n >= min && n <= max && (!integer || Number.isInteger(n));
      if (!ok) {
        ctx.addIssue({
          code: "custom",
          message: `${field} must be ${what} from ${min} to ${max}, got ${JSON.stringify(text.slice(0, 40))}`,
          params: { field, code: "INVALID_ARGUMENT" },
        });
      }
    })
    .transform(Number);
}

export function imagesQuery(maxRangeHours: number) {
  return z
    .object({
      ...rangeFields(),
      every: boundedNumber("every", 1, 86_400, "a number of seconds", false)
        .optional()
        .openapi({ description: "Keep images at least this many seconds apart.", example: "60" }),
      limit: boundedNumber("limit", 1, IMAGES_PAGE_MAX, "a whole number", true)
        .optional()
        .openapi({ description: `Images per page (default 100, at most ${IMAGES_PAGE_MAX}).` }),
      after: boundedNumber("after", 0, 8_640_000_000_000, "an epoch time in milliseconds", true)
        .optional()
        .openapi({ description: "Page cursor: the `next` link sets it; images after this time." }),
    })
    .transform((q, ctx) => {
      const range = resolveRange(q, maxRangeHours, ctx);
      return range
        ? { range, everyMs: (q.every ?? 0) * 1000, limit: q.limit ?? 100, after: q.after }
        : z.NEVER;
    });
}

const ImagesSchema = z
  .object({
    channel: z.string(),
    start: Time,
    end: Time,
    every: z.number().nullable().openapi({ description: "Seconds between images, as asked." }),
    images: z.array(
      z.object({
        time: Time.openapi({ description: "When the image was taken (its segment's start)." }),
        url: z.string().openapi({
          description:
            "The JPEG in the channel's SEGMENT_URLS mode: presigned S3 URL, public URL, or (proxy) this API's image.jpg, signed when needed.",
        }),
      }),
    ),
    next: z
      .string()
      .nullable()
      .openapi({ description: "Path of the next page (same query, `after` set), or null." }),
  })
  .openapi("Images");

/**
 * `GET /v1/channels/:ch/images?start&end|duration[&every][&limit][&after]`
 * (KVS GetImages): the thumbnails of a range, one per segment (or thinned
 * to one per `every` seconds), with their times and URLs in the channel's
 * segment-URL mode, paginated by `next`. One planned listing of the
 * thumbnails' own prefix per page, no request per image. A signed range
 * session (vod.m3u8 or clip URL) opens the images of exactly its range;
 * proxied image URLs carry the signature they need.
 */
export const imagesRoute = apiRoute(
  (limits) => ({
    method: "get",
    path: "/v1/channels/{ch}/images",
    operationId: "listImages",
    tag: "playback",
    summary: "Thumbnails of a range, with their times and URLs",
    description:
      "One image per segment (its first keyframe), or at least `every` seconds apart, in time order; `next` is the path of the following page. A signed range session's URL opens the images of its range.",
    access: "playback",
    storage: true,
    params: channelParams,
    query: imagesQuery(limits.maxRangeHours),
    responses: { "200": json("The images.", ImagesSchema) },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { range, everyMs, limit, after } = query;
      const access = accessOf(c);
      authorizeRangeSession(deps, access, channel, range);
      const from = after === undefined ? range : { startMs: after + 1, endMs: range.endMs };
      const listed =
        from.startMs < from.endMs
          ? await listThumbnails(deps, channel, from, c.req.raw.signal)
          : [];
      const fresh = after === undefined ? listed : listed.filter((t) => t.startMs > after);
      const thinned = thinOut(fresh, everyMs);
      const page = thinned.slice(0, limit);
      const url = await imageUrls(deps, c.req.raw, channel, access);
      const last = page.at(-1);
      let next: string | null = null;
      if (thinned.length > limit && last) {
        const q = new URL(c.req.url).searchParams;
        // The next page continues `every` from the last image shown.
        q.set("after", String(everyMs > 0 ? last.startMs + everyMs - 1 : last.startMs));
        next = `/v1/channels/${channel}/images?${q}`;
      }
      c.header("Cache-Control", "private, no-store");
      return c.json({
        channel,
        start: formatTime(range.startMs),
        end: formatTime(range.endMs),
        every: everyMs > 0 ? everyMs / 1000 : null,
        images: page.map((t) => ({ time: formatTime(t.startMs), url: url(t) })),
        next,
      });
    },
);

/** URLs of thumbnails in the channel's SEGMENT_URLS mode. */
async function imageUrls(
  deps: ApiDeps,
  req: Request,
  channel: string,
  access: Access,
): Promise<(t: StoredSegment) => string> {
  const policy = urlPolicy(deps.config, access, deps.now());
  if (deps.config.segmentUrls !== "proxy") return deps.urls.builder(channel, policy);
  const base = `/v1/channels/${channel}/image.jpg?at=`;
  if (access.kind === "signed") {
    // The session's own signature opens every image of its range.
    const q = new URL(req.url).searchParams;
    const session = `&start=${q.get("start")}&end=${q.get("end")}&exp=${q.get("exp")}&sig=${q.get("sig")}`;
    return (t) => `${base}${t.startMs}${session}`;
  }
  const key = deps.config.publicPlayback ? undefined : deps.config.signingKey;
  if (!key) return (t) => `${base}${t.startMs}`;
  const exp = Math.ceil(policy.expiresAtMs / 1000);
  return (t) => {
    const scope = { channel, resource: "vod" as const, startMs: t.startMs, endMs: t.startMs + 1 };
    return `${base}${t.startMs}&start=${t.startMs}&end=${t.startMs + 1}&${signedQuery(key, scope, exp)}`;
  };
}
