import type { MiddlewareHandler } from "hono";

export interface CorsOptions {
  /** `*`, or the exact origins (`https://app.example.com`) whose pages may read answers. */
  origin: "*" | readonly string[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  /** Seconds a browser may keep a preflight's answer. */
  maxAge: number;
}

/**
 * CORS for browser players, answering as `hono/cors` does, but writing its
 * headers onto the handler's response after it is made instead of onto
 * `c.res` before. Touching `c.res` before the handler runs makes Hono copy
 * the handler's response into a new one, which turns a byte body into a
 * stream: @hono/node-server then loses its direct path (status, headers and
 * bytes handed to `res.end` at once) and pumps the body through a
 * ReadableStream on every request. For a cached playlist that copy was most
 * of the cost of serving it.
 */
export function corsHeaders(opts: CorsOptions): MiddlewareHandler {
  const listed = opts.origin === "*" ? undefined : new Set(opts.origin);
  const allowOrigin = (origin: string | undefined) =>
    listed ? (origin && listed.has(origin) ? origin : undefined) : "*";
  const expose = opts.exposeHeaders.join(",");
  const preflight: Record<string, string> = {
    "Access-Control-Expose-Headers": expose,
    "Access-Control-Max-Age": String(opts.maxAge),
    "Access-Control-Allow-Methods": opts.allowMethods.join(","),
    "Access-Control-Allow-Headers": opts.allowHeaders.join(","),
  };
  return async (c, next) => {
    const origin = allowOrigin(c.req.header("Origin"));
    if (c.req.method === "OPTIONS") {
      const headers = new Headers(preflight);
      if (origin) headers.set("Access-Control-Allow-Origin", origin);
      if (listed) headers.append("Vary", "Origin");
      headers.append("Vary", "Access-Control-Request-Headers");
      return new Response(null, { status: 204, headers });
    }
    await next();
    const apply = (headers: Headers) => {
      if (origin) headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Expose-Headers", expose);
      if (listed) headers.append("Vary", "Origin");
    };
    try {
      apply(c.res.headers);
    } catch {
      // Immutable headers (a Response.redirect()): copy the response once, then set.
      c.res = new Response(c.res.body, c.res);
      apply(c.res.headers);
    }
  };
}
