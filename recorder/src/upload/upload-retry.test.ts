import { describe, expect, it } from "vitest";
import { classifyUploadError, defaultUploadRetryPolicy, retryDelayMs } from "./upload-retry";

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status } });

describe("upload failure classes", () => {
  it("treats credentials and bucket problems as permanent, with the fix in the message", () => {
    for (const [code, hint] of [
      ["AccessDenied", /s3:PutObject/],
      ["NoSuchBucket", /S3_BUCKETNAME/],
      ["InvalidAccessKeyId", /AWS_ACCESS_KEY_ID/],
      ["SignatureDoesNotMatch", /AWS_SECRET_ACCESS_KEY/],
    ] as const) {
      const f = classifyUploadError(s3Error(code, code === "NoSuchBucket" ? 404 : 403));
      expect(f.kind).toBe("permanent");
      expect(f.code).toBe(code);
      expect(f.message).toMatch(hint);
    }
  });

  it("treats network errors, timeouts, 5xx and throttling as the store failing (retry forever)", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(classifyUploadError(refused).kind).toBe("store");
    expect(classifyUploadError(s3Error("InternalError", 500)).kind).toBe("store");
    expect(classifyUploadError(s3Error("SlowDown", 503)).kind).toBe("store");
    expect(classifyUploadError(Object.assign(new Error("t"), { name: "TimeoutError" })).kind).toBe(
      "store",
    );
  });

  it("treats a clock the store calls skewed as needing an operator, not as an outage to retry fast", () => {
    const f = classifyUploadError(s3Error("RequestTimeTooSkewed", 403));
    expect(f.kind).toBe("permanent");
    expect(f.message).toMatch(/clock is off.*timedatectl/);
  });

  it("retries a refused single request on its own, and forgets a vanished file", () => {
    expect(classifyUploadError(s3Error("BadDigest", 400)).kind).toBe("item");
    const gone = Object.assign(new Error("no such file"), { code: "ENOENT" });
    expect(classifyUploadError(gone).kind).toBe("gone");
  });

  it("backs off exponentially with jitter, capped at half a segment (1 s to 15 s), and probes slowly when permanent", () => {
    const policy = defaultUploadRetryPolicy(2_000, 30_000);
    const mid = () => 0.5; // no jitter
    expect(retryDelayMs("store", 1, policy, mid)).toBe(250);
    expect(retryDelayMs("store", 2, policy, mid)).toBe(500);
    expect(retryDelayMs("store", 10, policy, mid)).toBe(1_000);
    expect(retryDelayMs("store", 10, defaultUploadRetryPolicy(30_000), mid)).toBe(15_000);
    expect(retryDelayMs("store", 10, defaultUploadRetryPolicy(100_000), mid)).toBe(15_000);
    const low = retryDelayMs("store", 10, policy, () => 0);
    const high = retryDelayMs("store", 10, policy, () => 1);
    expect(low).toBeLessThan(1_000);
    expect(high).toBeGreaterThan(1_000);
    expect(retryDelayMs("permanent", 1, policy)).toBe(30_000);
  });
});
