import { KirokuError, type Logger, StorageUnavailableError, ValidationError } from "@kiroku/shared";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one place errors become responses, all shaped
 * `{"error":{"code","message"}}`: KirokuError carries its status and code,
 * Hono's HTTPException its status, anything else is a 500 that is logged
 * with its stack (and never shown to the client).
 */
export function errorResponse(err: unknown, c: Context, logger: Logger): Response {
  if (err instanceof KirokuError) {
    if (err instanceof StorageUnavailableError) {
      c.header("Retry-After", String(err.retryAfterSeconds));
      logger.warn({ err: err.cause ?? err, path: c.req.path }, err.message);
    } else if (err.status >= 500) {
      logger.error({ err, path: c.req.path }, err.message);
    }
    if (err.status === 401) c.header("WWW-Authenticate", 'Bearer realm="kiroku"');
    c.header("Cache-Control", "no-store");
    // A 400 also names the field in a machine-readable way (clients highlight it).
    const field = err instanceof ValidationError ? { field: err.field } : {};
    return c.json(
      { error: { code: err.code, message: err.message, ...field } },
      err.status as ContentfulStatusCode,
    );
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return c.json(
      { error: { code: `HTTP_${status}`, message: err.message || "request failed" } },
      status,
    );
  }
  logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
  c.header("Cache-Control", "no-store");
  return c.json(
    { error: { code: "INTERNAL", message: "internal error (logged on the server)" } },
    500,
  );
}
