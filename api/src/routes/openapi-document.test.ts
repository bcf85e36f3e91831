import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { offlineApp } from "../../../test/helpers/offline-app";
import { type OpenApiDocument, openApiDocument, type Parameter } from "./openapi-document";

/**
 * The document against the real app: the same routes, the same path
 * parameters, every `$ref` resolvable, and served without credentials. The
 * S3 endpoint is a closed port: nothing here may reach storage.
 */
const { app } = offlineApp();
const doc = openApiDocument({ version: "1.2.3" });
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

/** `GET /v1/channels/{ch}` for every operation of the document. */
function documentedRoutes(d: OpenApiDocument): string[] {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** The JSON value a local `$ref` (`#/a/b`) points at, or undefined. */
function resolve(root: unknown, pointer: string): unknown {
  if (!pointer.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every `$ref` string anywhere in a value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === "$ref" && typeof v === "string" ? [v] : refsIn(v),
  );
}

describe("OpenAPI document", () => {
  it("documents exactly the routes the app registers", () => {
    const registered = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}")}`);
    // The read middleware is registered as a second handler on the same path: count each route once.
    const routes = [...new Set(registered)].sort();
    expect(routes.length).toBeGreaterThan(10);
    expect(documentedRoutes(doc).sort()).toEqual(routes);
  });

  it("declares every path parameter of a path, and no other", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const m of METHODS) {
        const op = item[m as keyof typeof item];
        if (!op) continue;
        const declared = (op.parameters ?? [])
          .map((p) => ("$ref" in p ? (resolve(doc, p.$ref) as Parameter) : p))
          .filter((p) => p.in === "path");
        expect(declared.map((p) => p.name).sort(), `${m} ${path}`).toEqual(inPath);
        for (const p of declared) expect(p.required, `${m} ${path} {${p.name}}`).toBe(true);
      }
    }
  });

  it("resolves every $ref", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter((r) => resolve(doc, r) === undefined);
    expect(dangling).toEqual([]);
  });

  it("uses every component it defines", () => {
    const used = new Set(refsIn(doc));
    const { securitySchemes, ...components } = doc.components;
    const unused = Object.entries(components).flatMap(([kind, entries]) =>
      Object.keys(entries)
        .map((name) => `#/components/${kind}/${name}`)
        .filter((r) => !used.has(r)),
    );
    expect(unused).toEqual([]);
    const schemesUsed = new Set(
      Object.values(doc.paths)
        .flatMap((item) => Object.values(item))
        .flatMap((op) => op.security.flatMap((s) => Object.keys(s))),
    );
    expect([...schemesUsed].sort()).toEqual(Object.keys(securitySchemes).sort());
  });

  it("gives each operation a unique operationId and an error shape on every error status", () => {
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const ids = ops.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) {
      for (const [status, res] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const response = "$ref" in res ? resolve(doc, res.$ref) : res;
        expect(refsIn(response), `${op.operationId} ${status}`).toContain(
          "#/components/schemas/Error",
        );
      }
    }
  });

  it("is served at GET /v1/openapi.json without credentials, with the package's version", async () => {
    const res = await app.request("/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d{2,}/);
    const served = (await res.json()) as OpenApiDocument;
    expect(served.openapi).toBe("3.1.0");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(served.info.version).toBe(pkg.version);
    expect(documentedRoutes(served).sort()).toEqual(documentedRoutes(doc).sort());
  });
});
