import { describe, expect, it } from "vitest";
import { createPresigner, uriEncode } from "./presign";

describe("createPresigner", () => {
  it("produces AWS's documented query-string signature (S3 SigV4 example, GET /test.txt)", () => {
    const sign = createPresigner({
      base: "https://examplebucket.s3.amazonaws.com/",
      region: "us-east-1",
      credentials: {
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      },
      signingDateMs: Date.UTC(2013, 4, 24),
      expiresInSeconds: 86_400,
    });
    expect(sign("test.txt")).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });

  it("signs path-style keys under a bucket path and carries a session token", () => {
    const sign = createPresigner({
      base: "http://127.0.0.1:9000/b/",
      region: "us-east-1",
      credentials: { accessKeyId: "A", secretAccessKey: "S", sessionToken: "tok/en+=" },
      signingDateMs: Date.UTC(2026, 10, 22),
      expiresInSeconds: 3600,
    });
    const url = new URL(sign("movie/cam1/2026-11-22/10-30-00.000Z_2000ms_r1_s5.ts"));
    expect(url.pathname).toBe("/b/movie/cam1/2026-11-22/10-30-00.000Z_2000ms_r1_s5.ts");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("tok/en+=");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives different signatures for different keys and identical URLs for identical inputs", () => {
    const make = () =>
      createPresigner({
        base: "http://h/b/",
        region: "eu-west-1",
        credentials: { accessKeyId: "A", secretAccessKey: "S" },
        signingDateMs: 0 + Date.UTC(2026, 0, 1),
        expiresInSeconds: 60,
      });
    expect(make()("a.ts")).toBe(make()("a.ts"));
    expect(make()("a.ts")).not.toBe(make()("b.ts").replace("/b.ts", "/a.ts"));
  });

  it("refuses expiries SigV4 does not allow", () => {
    const base = {
      base: "http://h/b/",
      region: "r",
      credentials: { accessKeyId: "A", secretAccessKey: "S" },
      signingDateMs: 0,
    };
    expect(() => createPresigner({ ...base, expiresInSeconds: 604_801 })).toThrow(/604800/);
    expect(() => createPresigner({ ...base, expiresInSeconds: 0 })).toThrow(/604800/);
  });
});

describe("uriEncode", () => {
  it("encodes reserved characters as SigV4 expects and keeps path slashes", () => {
    expect(uriEncode("site a/movie!(x)", false)).toBe("site%20a/movie%21%28x%29");
    expect(uriEncode("a/b", true)).toBe("a%2Fb");
    expect(uriEncode("ü", false)).toBe("%C3%BC");
  });
});
