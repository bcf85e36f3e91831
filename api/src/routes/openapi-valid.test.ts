import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { offlineApp } from "../../../test/helpers/offline-app";

/**
 * The served document against the OpenAPI 3.1 schema itself (the
 * specification's JSON Schema, bundled with the validator: no network), so
 * a declaration the generator renders into something other tools reject
 * fails here, not in a client's code generator.
 */
// Compiling the specification's schema takes seconds on a loaded machine.
describe("GET /v1/openapi.json", { timeout: 60_000 }, () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const { app } = offlineApp();
    const res = await app.request("/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("would refuse a broken document (the check can fail)", async () => {
    const { app } = offlineApp();
    const doc = (await (await app.request("/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: unknown }>>;
    };
    const op = Object.values(doc.paths)[0]!;
    const method = Object.keys(op)[0]!;
    op[method]!.responses = "none";
    expect((await new Validator().validate(doc)).valid).toBe(false);
  });
});
