import { describe, expect, it } from "vitest";
import {
  checkMultipartListing,
  isMultipartListingUnsupported,
  MultipartListingUnsupportedError,
} from "./multipart-support";

describe("isMultipartListingUnsupported", () => {
  it("recognises the answers of stores without ListMultipartUploads", () => {
    expect(
      isMultipartListingUnsupported({ name: "NotImplemented", $metadata: { httpStatusCode: 501 } }),
    ).toBe(true);
    expect(
      isMultipartListingUnsupported({ name: "Unknown", $metadata: { httpStatusCode: 405 } }),
    ).toBe(true);
    expect(isMultipartListingUnsupported({ name: "x", Code: "MethodNotAllowed" })).toBe(true);
    expect(isMultipartListingUnsupported(new MultipartListingUnsupportedError("x"))).toBe(true);
  });

  it("does not mistake an outage or a refusal for a missing operation", () => {
    expect(
      isMultipartListingUnsupported({ name: "SlowDown", $metadata: { httpStatusCode: 503 } }),
    ).toBe(false);
    expect(
      isMultipartListingUnsupported({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    ).toBe(false);
    expect(
      isMultipartListingUnsupported(Object.assign(new Error("x"), { code: "ECONNREFUSED" })),
    ).toBe(false);
  });
});

describe("checkMultipartListing", () => {
  it("accepts a real listing and refuses an object listing answered in its place", () => {
    expect(() => checkMultipartListing({ Bucket: "b" })).not.toThrow();
    expect(() => checkMultipartListing({})).toThrow(MultipartListingUnsupportedError);
  });
});
