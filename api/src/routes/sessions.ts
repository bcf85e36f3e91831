import { KirokuError } from "@kiroku/shared";
import type { Handler } from "hono";
import { type ApiDeps, type ApiEnv, channelParam } from "../access/context";
import { parseSessionRequest, sessionPath } from "../access/session-request";
import { readJsonObject } from "../http/json-body";

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
export function sessionsHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const req = parseSessionRequest(await readJsonObject(c.req.raw), deps.config.maxRangeHours);
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
    const origin = requestOrigin(c.req.raw);
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
  };
}

/** Scheme and host the client used, honouring X-Forwarded-Proto from a TLS-terminating proxy. */
function requestOrigin(req: Request): string {
  const url = new URL(req.url);
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (proto === "https" || proto === "http") url.protocol = `${proto}:`;
  return url.origin;
}
