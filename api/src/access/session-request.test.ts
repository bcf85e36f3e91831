import { ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { authenticateRead, authorizeScope } from "./auth";
import { parseSessionRequest, sessionPath } from "./session-request";

const KEY = Buffer.from("session-test-secret-0123456789abcdef");
const settings = { signingKey: KEY, publicPlayback: false, apiToken: "t".repeat(16) };

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("parseSessionRequest", () => {
  it("defaults expiresIn to one hour and takes the KVS bounds 300 to 43,200 s", () => {
    expect(parseSessionRequest({ mode: "live" }, 24)).toEqual({
      mode: "live",
      expiresInSeconds: 3600,
    });
    expect(parseSessionRequest({ mode: "live", expiresIn: 300 }, 24).expiresInSeconds).toBe(300);
    expect(parseSessionRequest({ mode: "live", expiresIn: 43_200 }, 24).expiresInSeconds).toBe(
      43_200,
    );
  });

  it("reads a range session's start and end", () => {
    expect(
      parseSessionRequest({ mode: "range", start: "1795343400", end: 1795343460 }, 24),
    ).toEqual({
      mode: "range",
      expiresInSeconds: 3600,
      startMs: 1795343400_000,
      endMs: 1795343460_000,
    });
    expect(
      parseSessionRequest({ mode: "clip", start: "1795343400", end: 1795343460 }, 24).mode,
    ).toBe("clip");
  });

  it.each([
    [{ mode: "live", expiresIn: 299 }, "expiresIn"],
    [{ mode: "live", expiresIn: 43_201 }, "expiresIn"],
    [{ mode: "live", expiresIn: "3600" }, "expiresIn"],
    [{ mode: "live", expiresIn: 600.5 }, "expiresIn"],
    [{ mode: "vod" }, "mode"],
    [{}, "mode"],
    [{ mode: "live", start: "1795343400" }, "start"],
    [{ mode: "range", end: "1795343460" }, "start"],
    [{ mode: "range", start: "1795343400" }, "end"],
    [{ mode: "range", start: "1795343460", end: "1795343400" }, "end"],
    [{ mode: "clip", start: "1795343400" }, "end"],
    [{ mode: "live", expires: 600 }, "expires"],
  ])("refuses %j naming %s", (body, field) => {
    expect(fieldOf(() => parseSessionRequest(body, 24))).toBe(field);
  });
});

describe("sessionPath", () => {
  const exp = 1_900_000_000;
  const query = (path: string) => new URL(path, "http://x").searchParams;

  it("signs a live URL that the read check accepts until it expires", () => {
    const path = sessionPath(KEY, "cam1", { mode: "live", expiresInSeconds: 600 }, exp);
    expect(path).toMatch(/^\/v1\/channels\/cam1\/live\.m3u8\?exp=1900000000&sig=[\w-]{43}$/);
    const q = query(path);
    const access = authenticateRead(settings, undefined, (n) => q.get(n) ?? undefined, exp * 1000);
    expect(() =>
      authorizeScope(settings, access, { channel: "cam1", resource: "live" }),
    ).not.toThrow();
    expect(() => authorizeScope(settings, access, { channel: "cam2", resource: "live" })).toThrow(
      /signature does not match/,
    );
    expect(() =>
      authenticateRead(settings, undefined, (n) => q.get(n) ?? undefined, exp * 1000 + 1),
    ).toThrow(/expired/);
  });

  it("signs a range URL carrying the exact range in epoch milliseconds", () => {
    const req = {
      mode: "range" as const,
      expiresInSeconds: 600,
      startMs: 1_000_000,
      endMs: 2_000_000,
    };
    const q = query(sessionPath(KEY, "cam1", req, exp));
    expect(q.get("start")).toBe("1000000");
    expect(q.get("end")).toBe("2000000");
    const access = authenticateRead(settings, undefined, (n) => q.get(n) ?? undefined, 0);
    const scope = {
      channel: "cam1",
      resource: "vod" as const,
      startMs: 1_000_000,
      endMs: 2_000_000,
    };
    expect(() => authorizeScope(settings, access, scope)).not.toThrow();
    expect(() => authorizeScope(settings, access, { ...scope, endMs: 2_000_001 })).toThrow();
  });

  it("signs a clip URL that opens the clip of that range and nothing else", () => {
    const req = {
      mode: "clip" as const,
      expiresInSeconds: 600,
      startMs: 1_000_000,
      endMs: 2_000_000,
    };
    const path = sessionPath(KEY, "cam1", req, exp);
    expect(path).toMatch(
      /^\/v1\/channels\/cam1\/clip\.ts\?start=1000000&end=2000000&exp=1900000000&sig=[\w-]{43}$/,
    );
    const q = query(path);
    const access = authenticateRead(settings, undefined, (n) => q.get(n) ?? undefined, 0);
    const range = { channel: "cam1", startMs: 1_000_000, endMs: 2_000_000 };
    expect(() => authorizeScope(settings, access, { ...range, resource: "clip" })).not.toThrow();
    // The same range as a playlist is another resource: the clip signature does not open it.
    expect(() => authorizeScope(settings, access, { ...range, resource: "vod" })).toThrow(
      /signature does not match/,
    );
  });
});
