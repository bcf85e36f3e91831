import { describe, expect, it } from "vitest";
import { isBucketName, parseEnvConfig, parseSharedConfig, readSharedConfig } from "./config";
import { ConfigError } from "./errors";

describe("parseSharedConfig", () => {
  it("applies the seed's defaults", () => {
    const config = parseSharedConfig({ S3_BUCKETNAME: "my-bucket" });
    expect(config).toEqual({
      s3: { bucket: "my-bucket", region: "us-east-1", forcePathStyle: false },
      movieKey: "movie",
      targetDuration: 30,
    });
  });

  it("uses path style and explicit credentials for a custom endpoint", () => {
    const config = parseSharedConfig({
      S3_BUCKETNAME: "kiroku",
      S3_ENDPOINT: "http://127.0.0.1:9000/",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "ap-northeast-1",
      S3_HOSTING_URL: "https://cdn.example.com/",
      S3_MOVIE_KEY: "site-a/movie",
      TARGET_DURATION: "2",
    });
    expect(config.s3).toEqual({
      bucket: "kiroku",
      region: "ap-northeast-1",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    expect(config.hostingUrl).toBe("https://cdn.example.com");
    expect(config.movieKey).toBe("site-a/movie");
    expect(config.targetDuration).toBe(2);
  });

  it("lets S3_FORCE_PATH_STYLE override the endpoint's default", () => {
    expect(
      parseSharedConfig({
        S3_BUCKETNAME: "b-1",
        S3_ENDPOINT: "https://r2.example.com",
        S3_FORCE_PATH_STYLE: "false",
      }).s3.forcePathStyle,
    ).toBe(false);
  });

  it("reports three bad variables in one error naming each and the fix", () => {
    let error: unknown;
    try {
      parseSharedConfig({
        S3_BUCKETNAME: "b-1",
        TARGET_DURATION: "abc",
        S3_ENDPOINT: "localhost:9000",
        S3_MOVIE_KEY: "/movie/",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems).toContain('TARGET_DURATION must be an integer from 1 to 100, got "abc"');
    expect(
      problems.find((p) =>
        p.startsWith("S3_ENDPOINT must be a URL starting with http:// or https://"),
      ),
    ).toBeDefined();
    expect(problems.find((p) => p.startsWith("S3_MOVIE_KEY must be a key folder"))).toBeDefined();
    expect((error as Error).message).toMatch(/3 problems/);
  });

  it("says the bucket is required and how to set it", () => {
    expect(() => parseSharedConfig({})).toThrow(/S3_BUCKETNAME is required: .*S3_BUCKETNAME=/);
  });

  it("holds the bucket name to the rule the embedded server uses too", () => {
    expect(isBucketName("my-camera.bucket")).toBe(true);
    for (const bad of ["ab", "My-Bucket", "-bucket", "bucket-", "a..b", "a".repeat(64)]) {
      expect(isBucketName(bad)).toBe(false);
    }
    expect(() => parseSharedConfig({ S3_BUCKETNAME: "cams..2026" })).toThrow(
      /S3_BUCKETNAME must be a valid bucket name .*"cams\.\.2026"/,
    );
  });

  it("refuses half a pair of credentials", () => {
    expect(() => parseSharedConfig({ S3_BUCKETNAME: "b-1", AWS_ACCESS_KEY_ID: "x" })).toThrow(
      /must be set together/,
    );
  });

  it("lets a product add its own variables and still fail once with every problem", () => {
    const read = (reader: Parameters<typeof readSharedConfig>[0]) => ({
      ...readSharedConfig(reader),
      port: reader.int("PORT", 8080, 1, 65535),
    });
    expect(() => parseEnvConfig({ PORT: "99999" }, read)).toThrow(
      /S3_BUCKETNAME is required[\s\S]*PORT must be an integer from 1 to 65535/,
    );
  });
});
