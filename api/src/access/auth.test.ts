import { KirokuError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import {
  type AuthSettings,
  authenticateRead,
  authorizeScope,
  signedQuery,
  signScope,
} from "./auth";

const key = Buffer.from("0123456789abcdef0123456789abcdef");
const settings: AuthSettings = {
  apiToken: "secret-token-1234567890",
  signingKey: key,
  publicPlayback: false,
};
const NOW = Date.UTC(2026, 10, 22, 12);
const q = (params: Record<string, string>) => (n: string) => params[n];
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return `${(err as KirokuError).status} ${(err as KirokuError).code}`;
  }
  return "ok";
};

describe("authenticateRead", () => {
  it("lets a correct bearer token in and refuses a wrong or malformed one with 401", () => {
    expect(authenticateRead(settings, "Bearer secret-token-1234567890", q({}), NOW)).toEqual({
      kind: "token",
    });
    expect(code(() => authenticateRead(settings, "Bearer nope", q({}), NOW))).toBe(
      "401 INVALID_TOKEN",
    );
    expect(code(() => authenticateRead(settings, "Basic abc", q({}), NOW))).toBe(
      "401 INVALID_TOKEN",
    );
  });

  it("asks for credentials (401) when none are given and playback is private", () => {
    expect(code(() => authenticateRead(settings, undefined, q({}), NOW))).toBe("401 AUTH_REQUIRED");
  });

  it("opens reads without credentials under PUBLIC_PLAYBACK", () => {
    expect(authenticateRead({ ...settings, publicPlayback: true }, undefined, q({}), NOW)).toEqual({
      kind: "public",
    });
  });

  it("refuses an expired or malformed signature with 403", () => {
    const exp = String(NOW / 1000 - 1);
    const sig = signScope(key, { channel: "cam1", resource: "live" }, Number(exp));
    expect(code(() => authenticateRead(settings, undefined, q({ exp, sig }), NOW))).toBe(
      "403 SIGNATURE_EXPIRED",
    );
    expect(code(() => authenticateRead(settings, undefined, q({ exp: "soon", sig }), NOW))).toBe(
      "403 INVALID_SIGNATURE",
    );
    expect(
      code(() => authenticateRead(settings, undefined, q({ exp: "9999999999", sig: "x" }), NOW)),
    ).toBe("403 INVALID_SIGNATURE");
  });
});

describe("authorizeScope", () => {
  const exp = NOW / 1000 + 600;
  const scope = { channel: "cam1", resource: "vod" as const, startMs: 1_000, endMs: 2_000 };
  const signed = () => {
    const params = new URLSearchParams(signedQuery(key, scope, exp));
    return authenticateRead(settings, undefined, (n) => params.get(n) ?? undefined, NOW);
  };

  it("accepts a signature for exactly this channel, resource, range and expiry", () => {
    expect(code(() => authorizeScope(settings, signed(), scope))).toBe("ok");
  });

  it("refuses the signature for another channel, resource or range", () => {
    const access = signed();
    expect(code(() => authorizeScope(settings, access, { ...scope, channel: "cam2" }))).toBe(
      "403 INVALID_SIGNATURE",
    );
    expect(code(() => authorizeScope(settings, access, { ...scope, resource: "clip" }))).toBe(
      "403 INVALID_SIGNATURE",
    );
    expect(code(() => authorizeScope(settings, access, { ...scope, endMs: 2_001 }))).toBe(
      "403 INVALID_SIGNATURE",
    );
  });

  it("refuses a signature made with another key", () => {
    const other = Buffer.from("another-key-another-key-another-k");
    const params = new URLSearchParams(signedQuery(other, scope, exp));
    const access = authenticateRead(settings, undefined, (n) => params.get(n) ?? undefined, NOW);
    expect(code(() => authorizeScope(settings, access, scope))).toBe("403 INVALID_SIGNATURE");
  });

  it("has nothing to check for token or public access", () => {
    expect(code(() => authorizeScope(settings, { kind: "token" }, scope))).toBe("ok");
    expect(code(() => authorizeScope(settings, { kind: "public" }, scope))).toBe("ok");
  });
});

it("errors are KirokuErrors (the app maps them to JSON)", () => {
  expect(() => authenticateRead(settings, undefined, q({}), NOW)).toThrow(KirokuError);
});
