import type { Handler } from "hono";
import pkg from "../../package.json" with { type: "json" };
import type { ApiEnv } from "../access/context";
import { openApiDocument } from "./openapi-document";

/** The API's version (api/package.json), as the document's `info.version`. */
export const API_VERSION: string = pkg.version;

/**
 * `GET /v1/openapi.json`: the whole API as an OpenAPI 3.1 document. Open to
 * anyone (it describes the API, it holds no secret and no configuration) and
 * the same for every request, so it is built once and cached for a few minutes.
 */
export function openApiHandler(): Handler<ApiEnv> {
  const body = JSON.stringify(openApiDocument({ version: API_VERSION }));
  return (c) => {
    c.header("Cache-Control", "public, max-age=300");
    c.header("Content-Type", "application/json");
    return c.body(body);
  };
}
