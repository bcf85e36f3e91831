import { KirokuError } from "@kiroku/shared";
import type { MiddlewareHandler } from "hono";
import type { ApiConfig } from "../api-config";
import { type Access, checkBearer } from "./auth";
import type { ApiEnv } from "./context";

/**
 * Writes (PUT, POST, DELETE: settings, stored playlists, sessions, deletions)
 * need the API_TOKEN bearer, always: PUBLIC_PLAYBACK opens reads only, and a
 * signed playback URL opens exactly one playback resource, never a write.
 * Without API_TOKEN the server is read-only, and says how to change that.
 */
export function requireAdmin(config: ApiConfig): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!config.apiToken) {
      throw new KirokuError(
        "WRITES_DISABLED",
        "this server has no API_TOKEN, so it is read-only: set API_TOKEN to manage channels",
        403,
      );
    }
    checkBearer(config, c.req.header("Authorization"));
    c.set("access", { kind: "token" });
    await next();
  };
}

/**
 * Channel metadata reads (list, settings, stat, history, stored playlists)
 * follow the playback rules, except that a signed URL opens playback only:
 * its signature names one playlist, clip or segment, not the channel's
 * metadata.
 */
export function refuseSigned(access: Access, what: string): void {
  if (access.kind === "signed") {
    throw new KirokuError(
      "SIGNATURE_SCOPE",
      `a signed playback URL does not open ${what}: send Authorization: Bearer <API_TOKEN>`,
      403,
    );
  }
}
