import { describe, expect, it } from "vitest";
import { clientErrorAnswer, clientErrorResponse, requestErrorResponse } from "./server-errors";

describe("clientErrorAnswer", () => {
  it("maps Node parser errors to 431, 408 and 400", () => {
    expect(clientErrorAnswer({ code: "HPE_HEADER_OVERFLOW" }).status).toBe(431);
    expect(clientErrorAnswer({ code: "ERR_HTTP_REQUEST_TIMEOUT" }).status).toBe(408);
    expect(clientErrorAnswer({ code: "HPE_INVALID_METHOD" }).status).toBe(400);
    expect(clientErrorAnswer(undefined).status).toBe(400);
  });
});

describe("clientErrorResponse", () => {
  it("is a complete HTTP/1.1 response with a JSON error body and its exact length", () => {
    const raw = clientErrorResponse({ code: "HPE_HEADER_OVERFLOW" });
    const [head, body] = raw.split("\r\n\r\n") as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "HEADERS_TOO_LARGE" } });
  });
});

describe("requestErrorResponse", () => {
  it("is a JSON 400 for a request the server could not read, a JSON 500 otherwise", async () => {
    const bad = Object.assign(new Error("Invalid host header"), { name: "RequestError" });
    const res = requestErrorResponse(bad);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "MALFORMED_REQUEST" } });
    expect(requestErrorResponse(new Error("boom")).status).toBe(500);
  });
});
