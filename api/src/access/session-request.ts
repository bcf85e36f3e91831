import { ValidationError } from "@kiroku/shared";
import { bodyInt, bodyRange } from "../http/body-fields";
import { rejectUnknownFields } from "../http/json-body";
import type { TimeRange } from "../http/time-range";
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
 * `{mode: "live"|"range"|"clip", start?, end?, expiresIn?}` from a POST body.
 * A live session takes no range (a range given there is refused, not
 * ignored); range and clip sessions need both ends, within MAX_RANGE_HOURS.
 */
export function parseSessionRequest(
  body: Record<string, unknown>,
  maxRangeHours: number,
): SessionRequest {
  rejectUnknownFields(body, ["mode", "start", "end", "expiresIn"]);
  const expiresInSeconds =
    body.expiresIn === undefined
      ? SESSION_DEFAULT_SECONDS
      : bodyInt(body.expiresIn, "expiresIn", SESSION_MIN_SECONDS, SESSION_MAX_SECONDS);
  if (body.mode === "live") {
    for (const field of ["start", "end"] as const) {
      if (body[field] !== undefined) {
        throw new ValidationError(
          field,
          `${field} is not used by a live session: leave it out, or use mode "range"`,
        );
      }
    }
    return { mode: "live", expiresInSeconds };
  }
  if (body.mode === "range" || body.mode === "clip") {
    return { mode: body.mode, expiresInSeconds, ...bodyRange(body, maxRangeHours) };
  }
  throw new ValidationError(
    "mode",
    `mode must be "live", "range" or "clip", got ${body.mode === undefined ? "nothing" : JSON.stringify(body.mode).slice(0, 40)}`,
  );
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
