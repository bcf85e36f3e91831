import { z } from "@hono/zod-openapi";
import { KirokuError } from "@kiroku/shared";
import { SESSION_MODES, sessionPath, sessionRequestSchema } from "../access/session-request";
import { channelParams, json, problem, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `POST /v1/channels/:ch/sessions {mode: "live"|"range"|"clip", start?, end?, expiresIn?}`
 * (KVS GetHLSStreamingSessionURL): a playback URL signed until now +
 * expiresIn (300 to 43,200 s, default 3,600) that works in any player
 * without headers. The URL's host is the one the request came to, so it is
 * right behind the Node server, a Function URL or a proxy that keeps Host;
 * `path` is given too, for clients that join it to their own base.
 * Creating a session is a write (it mints a credential): it needs the token.
 * Nothing is stored: the signature is the session.
 */
export const sessionsRoute = apiRoute(
  (limits) => ({
    method: "post",
    path: "/v1/channels/{ch}/sessions",
    operationId: "createSession",
    tag: "channels",
    summary: "A signed, expiring playback URL",
    description:
      "Live, a range playlist, or a range as one file to download; any player or browser opens it without headers. Nothing is stored: the signature is the session.",
    access: "admin",
    storage: false,
    params: channelParams,
    body: sessionRequestSchema(limits.maxRangeHours).openapi("SessionRequest"),
    responses: {
      "201": json("The session.", SessionSchema),
      "501": problem("SIGNED_URLS_DISABLED: the server has no signing key."),
    },
  }),
  (deps) =>
    async (c, { params, body: req }) => {
      const channel = params.ch;
      const key = deps.config.signingKey;
      if (!key) {
        throw new KirokuError(
          "SIGNED_URLS_DISABLED",
          "signed URLs are not enabled on this server (set SIGNING_SECRET or API_TOKEN)",
          501,
        );
      }
      const now = deps.now();
      const expSeconds = Math.floor(now / 1000) + req.expiresInSeconds;
      const path = sessionPath(key, channel, req, expSeconds);
      // PUBLIC_URL when set: behind a proxy, or against a spoofed Host header,
      // the request's own origin is not where viewers should be sent.
      const origin = deps.config.publicUrl ?? requestOrigin(c.req.raw);
      c.header("Cache-Control", "no-store");
      return c.json(
        {
          url: `${origin}${path}`,
          path,
          channel,
          mode: req.mode,
          ...(req.mode !== "live"
            ? { start: new Date(req.startMs).toISOString(), end: new Date(req.endMs).toISOString() }
            : {}),
          expiresIn: req.expiresInSeconds,
          expiresAt: new Date(expSeconds * 1000).toISOString(),
        },
        201,
      );
    },
);

const SessionSchema = z
  .object({
    url: z
      .string()
      .openapi({ description: "Absolute URL (`live.m3u8`, `vod.m3u8` or `clip.ts`, signed)." }),
    path: z.string().openapi({ description: "The same without scheme and host." }),
    channel: z.string(),
    mode: z.enum(SESSION_MODES),
    start: Time.optional(),
    end: Time.optional(),
    expiresIn: z.int(),
    expiresAt: Time,
  })
  .openapi("Session");

/** Scheme and host the client used, honouring X-Forwarded-Proto from a TLS-terminating proxy. */
function requestOrigin(req: Request): string {
  const url = new URL(req.url);
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (proto === "https" || proto === "http") url.protocol = `${proto}:`;
  return url.origin;
}
