import type { S3Client } from "@aws-sdk/client-s3";
import { type Logger, redactUrl, silentLogger } from "@kiroku/shared";
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { requireAdmin } from "./access/admin-auth";
import { authenticateRead } from "./access/auth";
import type { ApiDeps, ApiEnv } from "./access/context";
import { SegmentUrls } from "./access/segment-urls";
import type { ApiConfig } from "./api-config";
import { API_DEFAULTS } from "./api-defaults";
import { errorResponse } from "./http/error-response";
import { PlaylistCache } from "./http/playlist-cache";
import {
  deleteChannelHandler,
  getChannelHandler,
  listChannelsHandler,
  putChannelHandler,
  putChannelStatusHandler,
} from "./routes/channels";
import { clipHandler } from "./routes/clip";
import { deleteRecordingsHandler } from "./routes/delete-recordings";
import { healthHandler } from "./routes/health";
import { historyHandler } from "./routes/history";
import { liveHandler } from "./routes/live";
import { openApiHandler } from "./routes/openapi";
import { recordingsHandler } from "./routes/recordings";
import { segmentHandler } from "./routes/segment";
import { sessionsHandler } from "./routes/sessions";
import { statHandler } from "./routes/stat";
import { vodHandler } from "./routes/vod";
import {
  getVodPlaylistHandler,
  listVodPlaylistsHandler,
  postVodPlaylistHandler,
} from "./routes/vod-playlists";
import { webHandlers } from "./routes/web";

export interface AppOptions {
  config: ApiConfig;
  s3: S3Client;
  logger?: Logger;
  /** The clock, for tests that pin "now". */
  now?: () => number;
  cache?: PlaylistCache;
}

/**
 * Builds the HTTP API. It knows nothing of its runtime: `node.ts` serves
 * `app.fetch` with @hono/node-server, `lambda.ts` wraps it for Function URLs,
 * tests call `app.request(…)` in-process. Routing, auth and error writing live
 * here; each handler is one file under `routes/`.
 */
export function createApp(options: AppOptions): Hono<ApiEnv> {
  const { config, s3 } = options;
  const logger = options.logger ?? silentLogger();
  const deps: ApiDeps = {
    config,
    s3,
    logger,
    now: options.now ?? Date.now,
    urls: new SegmentUrls(config, s3),
    cache: options.cache ?? new PlaylistCache(API_DEFAULTS.PLAYLIST_CACHE_BYTES),
  };
  const app = new Hono<ApiEnv>();

  app.onError((err, c) => errorResponse(err, c, logger));
  app.notFound((c) =>
    c.json(
      { error: { code: "NOT_FOUND", message: `no such endpoint: ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.use(requestLog(logger, deps.now));
  app.use(
    cors({
      origin: config.corsOrigins,
      allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "Range", "If-None-Match"],
      exposeHeaders: [
        "Content-Length",
        "Content-Range",
        "Content-Disposition",
        "ETag",
        "Retry-After",
        "X-Kiroku-Clip-Start",
        "X-Kiroku-Clip-End",
        "X-Kiroku-Segments",
      ],
      maxAge: 600,
    }),
  );

  /** Reads: a bearer token, a signed URL (scope checked by the handler) or public playback. */
  const read: MiddlewareHandler<ApiEnv> = async (c, next) => {
    c.set(
      "access",
      authenticateRead(config, c.req.header("Authorization"), (n) => c.req.query(n), deps.now()),
    );
    await next();
  };

  const web = webHandlers();
  app.get("/", web.page);
  app.get("/assets/:file", web.asset);
  app.get("/healthz", healthHandler(deps));
  // The API as OpenAPI 3.1 (openapi.ts, kept in step with these routes by its test); no secret.
  app.get("/v1/openapi.json", openApiHandler());
  app.get("/v1/channels/:ch/vod.m3u8", read, vodHandler(deps));
  app.get("/v1/channels/:ch/live.m3u8", read, liveHandler(deps));
  app.get("/v1/channels/:ch/recordings", read, recordingsHandler(deps));
  app.get("/v1/channels/:ch/clip.ts", read, clipHandler(deps));
  app.get("/v1/channels/:ch/segments/:day/:name", read, segmentHandler(deps));
  // Channels (issue 6). Every write needs the API_TOKEN bearer, whatever PUBLIC_PLAYBACK says.
  const admin = requireAdmin(config);
  app.get("/v1/channels", read, listChannelsHandler(deps));
  app.get("/v1/channels/:ch", read, getChannelHandler(deps));
  app.put("/v1/channels/:ch", admin, putChannelHandler(deps));
  app.delete("/v1/channels/:ch", admin, deleteChannelHandler(deps));
  app.put("/v1/channels/:ch/status", admin, putChannelStatusHandler(deps));
  app.get("/v1/channels/:ch/stat", read, statHandler(deps));
  app.get("/v1/channels/:ch/history", read, historyHandler(deps));
  app.delete("/v1/channels/:ch/recordings", admin, deleteRecordingsHandler(deps));
  app.post("/v1/channels/:ch/vod-playlists", admin, postVodPlaylistHandler(deps));
  app.get("/v1/channels/:ch/vod-playlists", read, listVodPlaylistsHandler(deps));
  app.get("/v1/channels/:ch/vod-playlists/:name", read, getVodPlaylistHandler(deps));
  app.post("/v1/channels/:ch/sessions", admin, sessionsHandler(deps));
  return app;
}

/** One log line per request (debug for successes, so a busy player does not flood the log); secrets in URLs masked. */
function requestLog(logger: Logger, now: () => number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      method: c.req.method,
      url: redactUrl(c.req.url),
      status,
      ms: Math.round(performance.now() - started),
      at: now(),
    };
    if (status >= 500) logger.warn(line, "request failed");
    else logger.debug(line, "request");
  };
}
