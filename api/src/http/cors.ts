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
  const rules = corsRules(opts);
  const preflight: Record<string, string> = {
    "Access-Control-Expose-Headers": rules.expose,
    "Access-Control-Max-Age": String(opts.maxAge),
    "Access-Control-Allow-Methods": opts.allowMethods.join(","),
    "Access-Control-Allow-Headers": opts.allowHeaders.join(","),
  };
  return async (c, next) => {
    const origin = rules.allowOrigin(c.req.header("Origin"));
    if (c.req.method === "OPTIONS") {
      const headers = new Headers(preflight);
      if (origin) headers.set("Access-Control-Allow-Origin", origin);
      if (rules.varyOrigin) headers.append("Vary", "Origin");
      headers.append("Vary", "Access-Control-Request-Headers");
      return new Response(null, { status: 204, headers });
    }
    await next();
    const apply = (headers: Headers) => {
      if (origin) headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Expose-Headers", rules.expose);
      if (rules.varyOrigin) headers.append("Vary", "Origin");
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

/** What CORS adds to an answer (not a preflight), for answers made outside the middleware. */
export interface CorsRules {
  /** The Access-Control-Allow-Origin for a request's Origin header; undefined: none. */
  allowOrigin(origin: string | undefined): string | undefined;
  /** Access-Control-Expose-Headers. */
  expose: string;
  /** Answers vary on Origin (a list of origins, not `*`). */
  varyOrigin: boolean;
}

export function corsRules(opts: CorsOptions): CorsRules {
  const listed = opts.origin === "*" ? undefined : new Set(opts.origin);
  return {
    allowOrigin: (origin) => (listed ? (origin && listed.has(origin) ? origin : undefined) : "*"),
    expose: opts.exposeHeaders.join(","),
    varyOrigin: listed !== undefined,
  };
}

/** Adds CORS to a plain header record (Vary joined as `Headers.append` would). */
export function addCorsHeaders(
  headers: Record<string, string>,
  rules: CorsRules,
  origin: string | undefined,
): void {
  const allow = rules.allowOrigin(origin);
  if (allow) headers["Access-Control-Allow-Origin"] = allow;
  headers["Access-Control-Expose-Headers"] = rules.expose;
  if (rules.varyOrigin) headers.Vary = headers.Vary ? `${headers.Vary}, Origin` : "Origin";
}
