import type { OpenAPIHono, RouteConfig, z } from "@hono/zod-openapi";
import type { Hono, MiddlewareHandler } from "hono";
import type { ApiContext, ApiDeps, ApiEnv } from "../access/context";
import type { ApiConfig } from "../api-config";
import { JSON_BODY_MAX_BYTES, readJsonObject } from "../http/json-body";
import { parseWith } from "../http/validation";
import { ErrorSchema } from "./common-schemas";

/**
 * One route, declared once: method, path, who may call it, and zod schemas
 * of its path parameters, query and JSON body. `mountRoutes` validates
 * requests with those schemas and hands the handler what they parsed;
 * `registerRoutes` describes the same declaration in the OpenAPI document.
 *
 * Validation runs in the order the API has always reported problems: path
 * parameters, then the query, then the body (its Content-Type, size and JSON
 * syntax by `readJsonObject`, then its fields), each refusal the first
 * problem as a 400 naming its field. That is why the validators are ours and
 * not `OpenAPIHono.openapi()`'s, which check the query before the path and
 * answer a bad Content-Type or malformed JSON in their own words.
 */

/** What a route needs to let a request in (see `auth.ts`, `admin-auth.ts`). */
export type Access =
  /** Nothing. */
  | "open"
  /** Bearer token, or a signed URL for exactly this resource. */
  | "playback"
  /** Bearer token; a signed playback URL is refused (SIGNATURE_SCOPE). */
  | "metadata"
  /** Bearer token always, even with PUBLIC_PLAYBACK. */
  | "admin";

export type Tag = "web" | "service" | "playback" | "channels";

/** Settings a declaration's schemas depend on (the range limit is configuration). */
export type Limits = Pick<ApiConfig, "maxRangeHours">;

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Declaration<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
> {
  method: "get" | "put" | "post" | "delete";
  /** OpenAPI form: `{ch}` where Hono has `:ch`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** Reads or writes the bucket (so may answer 502 and 503). */
  storage: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers it reads, for the document only (nothing to refuse in them). */
  headers?: z.ZodObject;
  responses: RouteConfig["responses"];
}

/** What the schemas parsed, as the handler gets it. */
export interface Input<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

type AnyDeclaration = Declaration<Schema | undefined, Schema | undefined, Schema | undefined>;

export interface ApiRoute {
  declare(limits: Limits): AnyDeclaration;
  handler(
    deps: ApiDeps,
  ): (
    c: ApiContext,
    input: { params: unknown; query: unknown; body: unknown },
  ) => Response | Promise<Response>;
}

/** A route: its declaration (given the limits) and its handler (given the app's dependencies). */
export function apiRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  declare: (limits: Limits) => Declaration<P, Q, B>,
  handler: (
    deps: ApiDeps,
  ) => (c: ApiContext, input: Input<P, Q, B>) => Response | Promise<Response>,
): ApiRoute {
  return { declare, handler } as unknown as ApiRoute;
}

/** Registers each route on `app`: its access middleware, then validation, then the handler. */
export function mountRoutes(
  app: Hono<ApiEnv>,
  routes: readonly ApiRoute[],
  deps: ApiDeps,
  access: Record<Access, MiddlewareHandler<ApiEnv>[]>,
): void {
  for (const route of routes) {
    const d = route.declare(deps.config);
    const handle = route.handler(deps);
    const path = d.path.replaceAll(/\{([^}]+)\}/g, ":$1");
    const validateThenHandle: MiddlewareHandler<ApiEnv> = async (c) => {
      const params = d.params ? parseWith(d.params, c.req.param()) : undefined;
      const query = d.query ? parseWith(d.query, c.req.query()) : undefined;
      const body = d.body ? parseWith(d.body, await readJsonObject(c.req.raw)) : undefined;
      return handle(c, { params, query, body });
    };
    app.on([d.method.toUpperCase()], [path], ...access[d.access], validateThenHandle);
  }
}

/** Describes each route in `doc`'s registry, with what its access and storage add. */
export function registerRoutes(
  doc: OpenAPIHono,
  routes: readonly ApiRoute[],
  limits: Limits,
): void {
  const registry = doc.openAPIRegistry;
  registry.register("Error", ErrorSchema);
  for (const [kind, name, component] of COMPONENTS) {
    registry.registerComponent(kind, name, component as never);
  }
  for (const route of routes) registry.registerPath(routeConfig(route.declare(limits)));
}

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  open: [],
  playback: [{ bearerToken: [] }, { signedUrlExp: [], signedUrlSig: [] }],
  metadata: [{ bearerToken: [] }],
  admin: [{ bearerToken: [] }],
};
const FORBIDDEN: Record<Access, string | undefined> = {
  open: undefined,
  playback: "SignatureRefused",
  metadata: "SignedUrlNotAccepted",
  admin: "WritesDisabled",
};

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** The zod-to-openapi route of a declaration: security and the answers every route of its kind may give. */
function routeConfig(d: AnyDeclaration): RouteConfig {
  const responses: RouteConfig["responses"] = { ...d.responses };
  const validates = d.access !== "open" && (d.params || d.query || d.body);
  if (validates && !responses["400"]) responses["400"] = ref("responses", "BadRequest");
  const refused = FORBIDDEN[d.access];
  if (refused) {
    responses["401"] = ref("responses", "Unauthorized");
    responses["403"] = ref("responses", refused);
  }
  if (d.body) responses["413"] = ref("responses", "BodyTooLarge");
  if (d.storage) {
    responses["502"] = ref("responses", "StorageError");
    responses["503"] = ref("responses", "StorageUnavailable");
  }
  const request: NonNullable<RouteConfig["request"]> = {};
  if (d.params) request.params = d.params as z.ZodObject;
  if (d.query) request.query = d.query as z.ZodObject;
  if (d.headers) request.headers = d.headers;
  if (d.body)
    request.body = { required: true, content: { "application/json": { schema: d.body } } };
  return {
    method: d.method,
    path: d.path,
    operationId: d.operationId,
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    tags: [d.tag],
    security: SECURITY[d.access],
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
  };
}

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: ref("schemas", "Error") } },
});

/** Shared answers, headers and security schemes, referenced by `routeConfig` and the routes. */
const COMPONENTS: [
  Parameters<OpenAPIHono["openAPIRegistry"]["registerComponent"]>[0],
  string,
  unknown,
][] = [
  ["headers", "ETag", { description: "Strong validator of the body.", schema: { type: "string" } }],
  [
    "headers",
    "RetryAfter",
    { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
  ],
  [
    "headers",
    "WWWAuthenticate",
    { description: '`Bearer realm="kiroku"`', schema: { type: "string" } },
  ],
  ["responses", "NotModified", { description: "Unchanged since the ETag given in If-None-Match." }],
  [
    "responses",
    "BadRequest",
    problem(
      "Bad input, `field` naming it: INVALID_CHANNEL, INVALID_ARGUMENT, RANGE_TOO_LONG (over MAX_RANGE_HOURS), INVALID_NAME; for JSON bodies UNSUPPORTED_CONTENT_TYPE or MALFORMED_JSON.",
    ),
  ],
  [
    "responses",
    "Unauthorized",
    problem(
      "AUTH_REQUIRED or INVALID_TOKEN; on reads also SIGNED_URLS_DISABLED (a signed URL, but the server has no signing key).",
      { "WWW-Authenticate": ref("headers", "WWWAuthenticate") },
    ),
  ],
  [
    "responses",
    "SignatureRefused",
    problem(
      "INVALID_SIGNATURE (not for this channel, resource, range or expiry) or SIGNATURE_EXPIRED.",
    ),
  ],
  [
    "responses",
    "SignedUrlNotAccepted",
    problem(
      "SIGNATURE_SCOPE: a signed playback URL does not open channel metadata (or INVALID_SIGNATURE, SIGNATURE_EXPIRED).",
    ),
  ],
  [
    "responses",
    "WritesDisabled",
    problem("WRITES_DISABLED: the server has no API_TOKEN, so it is read-only."),
  ],
  [
    "responses",
    "BodyTooLarge",
    problem(`BODY_TOO_LARGE: the JSON body is over ${JSON_BODY_MAX_BYTES} bytes.`),
  ],
  [
    "responses",
    "StorageError",
    problem(
      "The bucket refused or failed: BUCKET_NOT_FOUND, STORAGE_ACCESS_DENIED, STORAGE_ERROR.",
    ),
  ],
  [
    "responses",
    "StorageUnavailable",
    problem(
      "STORAGE_UNAVAILABLE: object storage is unreachable or overloaded; STORAGE_BUSY: this API instance's S3 work budget is full.",
      {
        "Retry-After": ref("headers", "RetryAfter"),
      },
    ),
  ],
  [
    "securitySchemes",
    "bearerToken",
    {
      type: "http",
      scheme: "bearer",
      description: "`Authorization: Bearer <API_TOKEN>`. Writes always need it.",
    },
  ],
  [
    "securitySchemes",
    "signedUrlExp",
    {
      type: "apiKey",
      in: "query",
      name: "exp",
      description: "Expiry of a signed playback URL (Unix seconds); goes with `sig`.",
    },
  ],
  [
    "securitySchemes",
    "signedUrlSig",
    {
      type: "apiKey",
      in: "query",
      name: "sig",
      description:
        "base64url HMAC-SHA256 over channel, resource, range and `exp` (SIGNING_SECRET). Issued by POST /v1/channels/{ch}/sessions and in proxied segment URIs.",
    },
  ],
];
