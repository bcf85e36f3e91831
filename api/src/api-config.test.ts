import { ConfigError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { parseApiConfig } from "./api-config";

const base = { S3_BUCKETNAME: "cams", API_TOKEN: "0123456789abcdef-token" };
const problems = (env: Record<string, string>) => {
  try {
    parseApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join("\n");
    throw err;
  }
  return "";
};

describe("parseApiConfig", () => {
  it("applies the documented defaults", () => {
    const c = parseApiConfig(base);
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      segmentUrls: "presigned",
      publicPlayback: false,
      liveWindow: 3,
      maxRangeHours: 24,
      clipMaxBytes: 1024 ** 3,
      segmentUrlTtlSeconds: 21_600,
      corsOrigins: "*",
      movieKey: "movie",
      targetDuration: 30,
    });
    expect(c.signingKey).toBeInstanceOf(Buffer);
  });

  it("refuses to start private without API_TOKEN, and says how to fix it", () => {
    expect(problems({ S3_BUCKETNAME: "cams" })).toMatch(
      /API_TOKEN is required.*PUBLIC_PLAYBACK=true/,
    );
  });

  it("starts open with PUBLIC_PLAYBACK=true and no token (signed URLs then disabled)", () => {
    const c = parseApiConfig({ S3_BUCKETNAME: "cams", PUBLIC_PLAYBACK: "true" });
    expect(c.publicPlayback).toBe(true);
    expect(c.signingKey).toBeUndefined();
  });

  it("reports every bad variable at once, naming each", () => {
    const text = problems({
      ...base,
      API_TOKEN: "short",
      SIGNING_SECRET: "tiny",
      SEGMENT_URLS: "cdn",
      LIVE_WINDOW: "0",
      MAX_RANGE_HOURS: "x",
      CLIP_MAX_BYTES: "lots",
      PORT: "70000",
      CORS_ORIGINS: "https://a.example/path",
    });
    for (const name of [
      "API_TOKEN",
      "SIGNING_SECRET",
      "SEGMENT_URLS",
      "LIVE_WINDOW",
      "MAX_RANGE_HOURS",
      "CLIP_MAX_BYTES",
      "PORT",
      "CORS_ORIGINS",
    ]) {
      expect(text).toContain(name);
    }
  });

  it("needs S3_HOSTING_URL for public segment URLs", () => {
    expect(problems({ ...base, SEGMENT_URLS: "public" })).toMatch(/S3_HOSTING_URL/);
    expect(
      parseApiConfig({ ...base, SEGMENT_URLS: "public", S3_HOSTING_URL: "https://cdn.example/" })
        .hostingUrl,
    ).toBe("https://cdn.example");
  });

  it("accepts ranges of a month and more", () => {
    expect(parseApiConfig({ ...base, MAX_RANGE_HOURS: "744" }).maxRangeHours).toBe(744);
  });

  it("lowers the clip limit on Lambda, where responses are buffered", () => {
    expect(parseApiConfig({ ...base, AWS_LAMBDA_FUNCTION_NAME: "kiroku" }).clipMaxBytes).toBe(
      4 * 1024 ** 2,
    );
    expect(parseApiConfig({ ...base, CLIP_MAX_BYTES: "500M" }).clipMaxBytes).toBe(500 * 1024 ** 2);
  });

  it("derives the signing key from API_TOKEN unless SIGNING_SECRET is set", () => {
    const a = parseApiConfig(base).signingKey!;
    const b = parseApiConfig({ ...base, SIGNING_SECRET: "s".repeat(32) }).signingKey!;
    expect(a.equals(b)).toBe(false);
    expect(a.toString("utf8")).not.toContain(base.API_TOKEN);
  });
});
