import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import type { ApiEnv } from "../access/context";
import { problem, ref, text } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /` and `GET /assets/*`: the web page (api/web, bundled by
 * `pnpm build` into a `web/` folder beside the API bundle: api/dist/web for
 * the Node server, api/dist/lambda/web inside the Lambda zip). Files are read
 * once and kept in memory with an ETag. The page itself holds no secret: it
 * calls the API with the token the viewer gives it.
 */
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
};
const ASSET = /^[a-z0-9-]+\.(js|css|map)$/;

interface WebFile {
  body: Uint8Array;
  type: string;
  etag: string;
}

export function webHandlers(): { page: Handler<ApiEnv>; asset: Handler<ApiEnv> } {
  const files = new Map<string, WebFile | null>();
  const load = (name: string): WebFile | null => {
    if (!files.has(name)) files.set(name, readWebFile(name));
    return files.get(name) ?? null;
  };
  const send = (c: Context<ApiEnv>, file: WebFile, cache: string) => {
    c.header("Cache-Control", cache);
    c.header("ETag", file.etag);
    if (c.req.header("If-None-Match") === file.etag) return c.body(null, 304);
    c.header("Content-Type", file.type);
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200);
  };
  return {
    page: (c) => {
      const file = load("index.html");
      if (!file) {
        return c.text("Kiroku API. The web page is not built: run `pnpm build`.\n", 200);
      }
      c.header(
        "Content-Security-Policy",
        "default-src 'self'; connect-src *; media-src * blob:; img-src * data: blob:; style-src 'self'; script-src 'self'; worker-src blob:",
      );
      c.header("X-Content-Type-Options", "nosniff");
      c.header("Referrer-Policy", "no-referrer");
      return send(c, file, "no-cache");
    },
    asset: (c) => {
      const name = c.req.param("file") ?? "";
      const file = ASSET.test(name) ? load(`assets/${name}`) : null;
      if (!file)
        return c.json(
          { error: { code: "NOT_FOUND", message: `no such asset: ${name.slice(0, 80)}` } },
          404,
        );
      c.header("X-Content-Type-Options", "nosniff");
      // Names are not content-hashed: revalidate after a short while, the ETag makes it cheap.
      return send(c, file, "public, max-age=300");
    },
  };
}

function readWebFile(name: string): WebFile | null {
  // Beside the bundle (dist/web, dist/lambda/web), or the built folder when running from source.
  for (const base of ["./web/", "../../dist/web/"]) {
    try {
      const body = readFileSync(fileURLToPath(new URL(base + name, import.meta.url)));
      const type = TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
      return { body, type, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
    } catch {
      // try the next place
    }
  }
  return null;
}

/** `GET /`: the page, declared for the document. */
export const webPageRoute = apiRoute(
  () => ({
    method: "get",
    path: "/",
    operationId: "getWebPage",
    tag: "web",
    summary: "The web page",
    description: "Channels, day timeline, player and range actions. Plain text when not built.",
    access: "open",
    storage: false,
    responses: {
      "200": text("The page.", "text/html", { ETag: ref("headers", "ETag") }),
      "304": ref("responses", "NotModified"),
    },
  }),
  () => {
    const { page } = webHandlers();
    return (c) => page(c, async () => {}) as Response | Promise<Response>;
  },
);

/** `GET /assets/{file}`: a script, style sheet or source map of the page. */
export const webAssetRoute = apiRoute(
  () => ({
    method: "get",
    path: "/assets/{file}",
    operationId: "getWebAsset",
    tag: "web",
    summary: "A script, style sheet or source map of the web page",
    access: "open",
    storage: false,
    params: z.object({
      file: z.string().openapi({
        param: { name: "file", in: "path" },
        description: "Asset name, e.g. `app.js`.",
      }),
    }),
    responses: {
      "200": {
        description: "The asset.",
        headers: { ETag: ref("headers", "ETag") },
        content: {
          "text/javascript": { schema: z.string() },
          "text/css": { schema: z.string() },
          "application/json": { schema: z.object({}) },
        },
      },
      "304": ref("responses", "NotModified"),
      "404": problem("NOT_FOUND: no such asset."),
    },
  }),
  () => {
    const { asset } = webHandlers();
    return (c) => asset(c, async () => {}) as Response | Promise<Response>;
  },
);
