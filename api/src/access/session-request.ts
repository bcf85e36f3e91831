import { z } from "@hono/zod-openapi";
import { describeInput, ValidationError } from "@kiroku/shared";
import { jsonObject } from "../http/json-body";
import { bodyRange, bodyTime, type TimeRange } from "../http/time-range";
import { asIssue, parseWith } from "../http/validation";
import { signedQuery } from "./auth";

/** Session lifetimes in seconds, as Kinesis Video Streams allows (5 minutes to 12 hours). */
export const SESSION_MIN_SECONDS = 300;
export const SESSION_MAX_SECONDS = 43_200;
/** Lifetime when the request does not say: one hour. */
export const SESSION_DEFAULT_SECONDS = 3_600;

/**
 * What a session opens: the live playlist, a range playlist, or a range as
 * one MPEG-TS file (a clip a browser downloads by itself, streamed, with no
 * header to add).
 */
export const SESSION_MODES = ["live", "range", "clip"] as const;

export type SessionRequest =
  | { mode: "live"; expiresInSeconds: number }
  | ({ mode: "range" | "clip"; expiresInSeconds: number } & TimeRange);

/**
 * The body of `POST /v1/channels/:ch/sessions`: `{mode, start?, end?,
 * expiresIn?}`. A live session takes no range (a range given there is
 * refused, not ignored); range and clip sessions need both ends, within
 * `maxRangeHours`.
 */
export function sessionRequestSchema(maxRangeHours: number) {
  const expiresIn = (issue: { input?: unknown }) =>
    `expiresIn must be a whole number from ${SESSION_MIN_SECONDS} to ${SESSION_MAX_SECONDS}, got ${describeInput(issue.input)}`;
  return jsonObject(
    {
      expiresIn: z
        .number({ error: expiresIn })
        .int({ error: expiresIn })
        .min(SESSION_MIN_SECONDS, { error: expiresIn })
        .max(SESSION_MAX_SECONDS, { error: expiresIn })
        .default(SESSION_DEFAULT_SECONDS)
        .openapi({ description: "Seconds the URL stays valid." }),
      mode: z
        .enum(SESSION_MODES, {
          error: (issue) =>
            `mode must be "live", "range" or "clip", got ${describeInput(issue.input)}`,
        })
        .openapi({
          description:
            "`live`; `range` (a playlist) or `clip` (one MPEG-TS file), which need `start` and `end`.",
        }),
      start: bodyTime("start"),
      end: bodyTime("end"),
    },
    // expiresIn is checked first, but listed as the body is usually written.
    { allowed: ["mode", "start", "end", "expiresIn"] },
  ).transform((body, ctx): SessionRequest => {
    const expiresInSeconds = body.expiresIn;
    if (body.mode === "live") {
      for (const field of ["start", "end"] as const) {
        if (body[field] !== undefined) {
          asIssue(ctx, () => {
            throw new ValidationError(
              field,
              `${field} is not used by a live session: leave it out, or use mode "range"`,
            );
          });
          return z.NEVER;
        }
      }
      return { mode: "live", expiresInSeconds };
    }
    let range: TimeRange | undefined;
    asIssue(ctx, () => {
      range = bodyRange(body, maxRangeHours);
    });
    return range ? { mode: body.mode, expiresInSeconds, ...range } : z.NEVER;
  });
}

/** `{mode, start?, end?, expiresIn?}` from a POST body, by `sessionRequestSchema`. */
export function parseSessionRequest(body: unknown, maxRangeHours: number): SessionRequest {
  return parseWith(sessionRequestSchema(maxRangeHours), body);
}

/**
 * The path and query of a session's playback URL, signed until `expSeconds`:
 * `live.m3u8?exp&sig`, or `vod.m3u8?start&end&exp&sig` (`clip.ts?…` for a
 * clip) with the range in epoch milliseconds (exactly what the signature
 * covers). Players need no
 * header: the signature is the credential, and changing any character of
 * the channel, range or expiry breaks it.
 */
export function sessionPath(
  signingKey: Buffer,
  channel: string,
  req: SessionRequest,
  expSeconds: number,
): string {
  const base = `/v1/channels/${channel}`;
  if (req.mode === "live") {
    return `${base}/live.m3u8?${signedQuery(signingKey, { channel, resource: "live" }, expSeconds)}`;
  }
  const resource = req.mode === "clip" ? "clip" : "vod";
  const q = signedQuery(
    signingKey,
    { channel, resource, startMs: req.startMs, endMs: req.endMs },
    expSeconds,
  );
  const file = req.mode === "clip" ? "clip.ts" : "vod.m3u8";
  return `${base}/${file}?start=${req.startMs}&end=${req.endMs}&${q}`;
}
