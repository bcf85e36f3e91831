import { createS3Client } from "@kiroku/shared";
import { type ApiConfig, parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";

/** The bearer token `offlineApp` accepts unless the test sets its own `API_TOKEN`. */
export const OFFLINE_TOKEN = "unit-token-0123456789";

/**
 * The API in-process with storage out of reach: its S3 endpoint is a closed
 * port, so a request that reached storage would answer 503, never the
 * 200/400/401/403 that tests of routing, auth and bad input assert. `env`
 * adds to (or overrides) a minimal valid configuration; `undefined` removes a
 * variable (e.g. `API_TOKEN` for a read-only public API).
 */
export function offlineApp(
  env: Record<string, string | undefined> = {},
  now?: () => number,
): {
  app: ReturnType<typeof createApp>;
  config: ApiConfig;
} {
  const merged: Record<string, string | undefined> = {
    S3_BUCKETNAME: "cams",
    S3_ENDPOINT: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    API_TOKEN: OFFLINE_TOKEN,
    ...env,
  };
  const config = parseApiConfig(
    Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
  );
  const s3 = createS3Client(config.s3, { maxAttempts: 1, connectionTimeoutMs: 200 });
  return { app: createApp({ config, s3, ...(now ? { now } : {}) }), config };
}
