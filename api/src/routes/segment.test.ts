import { describe, expect, it } from "vitest";
import { parseRangeHeader } from "./segment";

describe("parseRangeHeader", () => {
  it("passes single byte ranges on to S3", () => {
    expect(parseRangeHeader("bytes=0-99")).toBe("bytes=0-99");
    expect(parseRangeHeader("bytes=100-")).toBe("bytes=100-");
    expect(parseRangeHeader("bytes=-500")).toBe("bytes=-500");
  });

  it("ignores what it does not support, so the whole segment is sent (RFC 9110)", () => {
    for (const h of [
      undefined,
      "",
      "bytes=0-1,5-9",
      "items=0-1",
      "bytes=-",
      "bytes=9-1",
      "bytes=a-b",
    ]) {
      expect(parseRangeHeader(h)).toBeUndefined();
    }
  });
});
