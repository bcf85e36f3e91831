import { createLogger, createS3Client, type Env, type Logger } from "@kiroku/shared";
import type { Hono } from "hono";
import type { ApiEnv } from "./access/context";
import { type ApiConfig, type ApiRuntime, parseApiConfig } from "./api-config";
import { createApp } from "./app";

export interface Bootstrapped {
  app: Hono<ApiEnv>;
  config: ApiConfig;
  logger: Logger;
}

/**
 * Config from the environment, the S3 client and the app: what both runtimes
 * (`node.ts`, `lambda.ts`) do at start. Throws ConfigError (every problem at
 * once) on bad settings; warns loudly when playback is public.
 */
export function appFromEnv(
  env: Env,
  logger: Logger = createLogger("api", env),
  runtime: ApiRuntime = {},
): Bootstrapped {
  const config = parseApiConfig(env, runtime);
  // Short timeouts and one retry: a player waiting on a dead store should get
  // a 503 with Retry-After in seconds, not hang.
  const s3 = createS3Client(config.s3, {
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 10_000,
    maxAttempts: 2,
  });
  if (config.publicPlayback) {
    logger.warn(
      "PUBLIC_PLAYBACK=true: anyone who can reach this API can list every channel with its Live/Idle state and watch, download and browse the timeline of every channel's recordings and live view, without credentials; channel details, history and every write still need API_TOKEN",
    );
  }
  logger.info(
    {
      bucket: config.s3.bucket,
      movieKey: config.movieKey,
      segmentUrls: config.segmentUrls,
      liveWindow: config.liveWindow,
      maxRangeHours: config.maxRangeHours,
    },
    "api configured",
  );
  return { app: createApp({ config, s3, logger }), config, logger };
}
