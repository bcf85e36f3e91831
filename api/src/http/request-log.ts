import { type Logger, redactUrl } from "@kiroku/shared";
import type { MiddlewareHandler } from "hono";

/**
 * One log line per request: debug for successes (a busy player must not
 * flood the log), warn for 5xx; secrets in URLs masked.
 */
export function logRequest(
  logger: Logger,
  request: { method: string; url: string; status: number; startedMs: number; at: number },
): void {
  const failed = request.status >= 500;
  // A line at a level that is off is not made (the URL redaction is most of its cost).
  if (!logger.isLevelEnabled(failed ? "warn" : "debug")) return;
  const line = {
    method: request.method,
    url: redactUrl(request.url),
    status: request.status,
    ms: Math.round(performance.now() - request.startedMs),
    at: request.at,
  };
  if (failed) logger.warn(line, "request failed");
  else logger.debug(line, "request");
}

/** The app's request log middleware (`logRequest` after the handler). */
export function requestLog(logger: Logger, now: () => number): MiddlewareHandler {
  return async (c, next) => {
    const startedMs = performance.now();
    await next();
    logRequest(logger, {
      method: c.req.method,
      url: c.req.url,
      status: c.res.status,
      startedMs,
      at: now(),
    });
  };
}
