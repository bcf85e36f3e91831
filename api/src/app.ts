import type { S3Client } from "@aws-sdk/client-s3";
import { type Logger, silentLogger } from "@kiroku/shared";
import { Hono, type MiddlewareHandler } from "hono";
import { requireAdmin } from "./access/admin-auth";
import { authenticateRead } from "./access/auth";
import type { ApiDeps, ApiEnv } from "./access/context";
import { s3DayIndexStore } from "./access/day-index-store";
import { DayIndexes } from "./access/day-indexes";
import { SegmentListings } from "./access/segment-listings";
import { SegmentUrls } from "./access/segment-urls";
import type { ApiConfig } from "./api-config";
import { API_DEFAULTS, listingRefreshMs } from "./api-defaults";
import {
  addCorsHeaders,
  type CorsOptions,
  type CorsRules,
  corsHeaders,
  corsRules,
} from "./http/cors";
import { errorResponse } from "./http/error-response";
import { PlaylistCache } from "./http/playlist-cache";
import { logRequest, requestLog } from "./http/request-log";
import { budgetedS3Client, runWithS3Work, S3Budget, S3Work } from "./http/s3-budget";
import { API_ROUTES } from "./routes/api-routes";
import { mountRoutes } from "./routes/endpoint";
import { openApiDocumentRoute } from "./routes/openapi-document";
import { type CachedVodRequest, cachedVodAnswersOf, headerOf } from "./routes/vod-cached-answers";

export interface AppOptions {
  config: ApiConfig;
  s3: S3Client;
  logger?: Logger;
  /** The clock, for tests that pin "now". */
  now?: () => number;
  cache?: PlaylistCache;
  /** The instance's S3 work budget (by default one from the config's `s3Budget`). */
  budget?: S3Budget;
  /** False: list every day instead of reading day indexes (to measure what they save). Default true. */
  dayIndexes?: boolean;
}

/**
 * Builds the HTTP API. It knows nothing of its runtime: `node.ts` serves
 * `app.fetch` with @hono/node-server, `lambda.ts` wraps it for Function URLs,
 * tests call `app.request(…)` in-process. Routing, auth and error writing live
 * here; each route (its schemas and handler) is declared in a file under `routes/`.
 */
export function createApp(options: AppOptions): Hono<ApiEnv> {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  // Every S3 call of every route goes through the instance's work budget.
  const budget = options.budget ?? new S3Budget(config.s3Budget);
  const s3 = budgetedS3Client(options.s3, budget);
  const deps: ApiDeps = {
    config,
    s3,
    logger,
    now,
    urls: new SegmentUrls(config, s3),
    cache: options.cache ?? new PlaylistCache(API_DEFAULTS.PLAYLIST_CACHE_BYTES),
    listings: new SegmentListings({
      now,
      refreshMs: listingRefreshMs(config.targetDuration),
      maxFinalSegments: API_DEFAULTS.LISTING_CACHE_SEGMENTS,
    }),
    dayIndexes:
      options.dayIndexes === false
        ? undefined
        : new DayIndexes(s3DayIndexStore({ s3, config, logger })),
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
  // Each request is one unit of S3 work: a fair share of the budget, and its
  // calls stop when the client goes away (the Node adapter aborts the signal).
  // Reads are given up past S3_WORK_TIMEOUT; writes (a purge) may take longer.
  app.use(async (c, next) => {
    const read = c.req.method === "GET" || c.req.method === "HEAD";
    const work = new S3Work(c.req.raw.signal, read);
    try {
      await runWithS3Work(work, next);
    } finally {
      work.settle();
    }
  });
  // Ours, not hono/cors: its headers go on after the handler, so a byte body
  // keeps @hono/node-server's direct path (http/cors.ts says why).
  const cors: CorsOptions = {
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
  };
  app.use(corsHeaders(cors));

  /** Reads: a bearer token, a signed URL (scope checked by the handler) or public playback. */
  const read: MiddlewareHandler<ApiEnv> = async (c, next) => {
    c.set(
      "access",
      authenticateRead(config, c.req.header("Authorization"), (n) => c.req.query(n), deps.now()),
    );
    await next();
  };

  // Each route declares who may call it (routes/endpoint.ts): reads take a bearer token, a
  // signed URL (scope checked by the handler) or public playback; every write needs the
  // API_TOKEN bearer, whatever PUBLIC_PLAYBACK says. The document (open, no secret) is
  // built from the same declarations.
  const admin = requireAdmin(config);
  mountRoutes(app, [...API_ROUTES, openApiDocumentRoute], deps, {
    open: [],
    playback: [read],
    metadata: [read],
    admin: [admin],
  });
  cachedAnswers.set(app, cachedAnswerer(deps, corsRules(cors)));
  return app;
}

/**
 * A request as the Node server has it, before the app: method, the full URL
 * the app would see, and its headers by lower-case name.
 */
export interface BareRequest extends CachedVodRequest {
  method: string;
}

/** An answer made without the app: status, headers, body. */
export interface BareAnswer {
  status: number;
  headers: Record<string, string>;
  bytes?: Uint8Array;
}

const cachedAnswers = new WeakMap<Hono<ApiEnv>, (req: BareRequest) => BareAnswer | undefined>();

/**
 * The app's answers that need none of its middleware: a finished range
 * playlist already in the playlist cache, asked for again by the exact URL
 * (routes/vod-cached-answers.ts), with the CORS headers and the log line the
 * middleware would have added. Undefined means: ask the app. For a Node
 * server, where routing and the middleware cost more than sending the bytes.
 */
export function cachedAnswerOf(
  app: Hono<ApiEnv>,
): ((req: BareRequest) => BareAnswer | undefined) | undefined {
  return cachedAnswers.get(app);
}

function cachedAnswerer(deps: ApiDeps, cors: CorsRules) {
  const vod = cachedVodAnswersOf(deps);
  return (req: BareRequest): BareAnswer | undefined => {
    if (req.method !== "GET") return undefined;
    const startedMs = performance.now();
    const answer = vod.answer(req);
    if (!answer) return undefined;
    addCorsHeaders(answer.headers, cors, headerOf(req, "origin"));
    logRequest(deps.logger, {
      method: req.method,
      url: req.url,
      status: answer.status,
      startedMs,
      at: deps.now(),
    });
    return answer;
  };
}
