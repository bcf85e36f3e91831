import { OpenAPIHono, z } from "@hono/zod-openapi";
import { DEFAULTS } from "@kiroku/shared";
import pkg from "../../package.json" with { type: "json" };
import { API_ROUTES } from "./api-routes";
import { json } from "./common-schemas";
import { type ApiRoute, apiRoute, type Limits, registerRoutes } from "./endpoint";

/** The API's version (api/package.json), as the document's `info.version`. */
export const API_VERSION: string = pkg.version;

/**
 * The HTTP API as an OpenAPI 3.1 document (served at `GET /v1/openapi.json`),
 * generated from the routes' own declarations (`apiRoute` in each file of
 * `routes/`): the zod schemas that validate a request are the ones
 * described here, so the two cannot drift. The document holds no
 * configuration: PUBLIC_PLAYBACK, SEGMENT_URLS and the like are described,
 * not read; the range limit shown is MAX_RANGE_HOURS by name.
 */

/** The parts of an OpenAPI 3.1 document the API's tests read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, PathItem>;
  components: Record<string, Record<string, unknown>> & {
    securitySchemes: Record<string, unknown>;
  };
}
export type Ref = { $ref: string };
export type HttpMethod = "get" | "put" | "post" | "delete";
export type PathItem = Partial<Record<HttpMethod, Operation>>;
export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  description?: string;
  required?: boolean;
  schema?: unknown;
}
export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: (Parameter | Ref)[];
  requestBody?: unknown;
  responses: Record<string, Ref | { description: string; content?: unknown }>;
}

/**
 * The document; `version` is the API package's. `routes` and `limits` are
 * the app's (the default: every route, the default limits), and the
 * document's own route is added.
 */
export function openApiDocument(
  info: { version: string },
  routes: readonly ApiRoute[] = API_ROUTES,
  limits: Limits = { maxRangeHours: DEFAULTS.MAX_RANGE_HOURS },
): OpenApiDocument {
  const doc = new OpenAPIHono();
  registerRoutes(doc, [...routes, openApiDocumentRoute], limits);
  const generated = doc.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Kiroku API",
      version: info.version,
      description: [
        "Playback (HLS playlists, clips, segments) and channel management of Kiroku recordings stored in S3.",
        'Every error is JSON `{"error":{"code","message"}}`; a 400 also names the offending `field`.',
        "Reads need the API_TOKEN bearer or a signed URL (`exp` and `sig`), or nothing when the server runs with PUBLIC_PLAYBACK=true; writes always need the bearer.",
        "Times in queries and bodies are ISO 8601 with an offset, or epoch seconds (12 or more digits: milliseconds); answers use ISO 8601 UTC with milliseconds.",
      ].join("\n\n"),
      // OpenAPI 3.1 names an SPDX licence by `identifier` (openapi3-ts still types 3.0's `url`).
      license: { name: "MIT", identifier: "MIT" } as { name: string },
    },
    tags: [
      { name: "playback", description: "Playlists, clips, segments and the recorded timeline." },
      {
        name: "channels",
        description: "Settings, live state, history, stored playlists, sessions.",
      },
      { name: "service", description: "Health and this document." },
      { name: "web", description: "The web page and its assets." },
    ],
  });
  return generated as unknown as OpenApiDocument;
}

/**
 * `GET /v1/openapi.json`: the whole API as an OpenAPI 3.1 document. Open to
 * anyone (it describes the API, it holds no secret and no configuration) and
 * the same for every request, so it is built once and cached for a few minutes.
 */
export const openApiDocumentRoute: ApiRoute = apiRoute(
  () => ({
    method: "get",
    path: "/v1/openapi.json",
    operationId: "getOpenApi",
    tag: "service",
    summary: "This document",
    access: "open",
    storage: false,
    responses: { "200": json("OpenAPI 3.1.", z.object({}).passthrough()) },
  }),
  () => {
    let body: string | undefined;
    return (c) => {
      body ??= JSON.stringify(openApiDocument({ version: API_VERSION }));
      c.header("Cache-Control", "public, max-age=300");
      c.header("Content-Type", "application/json");
      return c.body(body);
    };
  },
);
