import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EncodedBody, negotiateCoding } from "./compressed-body";

describe("negotiateCoding", () => {
  it("prefers gzip, then br (not for huge bodies), honours q=0, and sends small bodies as they are", () => {
    expect(negotiateCoding("gzip, deflate, br", 5000)).toBe("gzip");
    expect(negotiateCoding("br", 5000)).toBe("br");
    expect(negotiateCoding("br", 5 * 1024 ** 2)).toBeUndefined();
    expect(negotiateCoding("br;q=0, gzip;q=0.5", 5000)).toBe("gzip");
    expect(negotiateCoding("gzip;q=0, br", 5000)).toBe("br");
    expect(negotiateCoding("*", 5000)).toBe("gzip");
    expect(negotiateCoding("*;q=0", 5000)).toBeUndefined();
    expect(negotiateCoding("identity", 5000)).toBeUndefined();
    expect(negotiateCoding(undefined, 5000)).toBeUndefined();
    expect(negotiateCoding("gzip", 100)).toBeUndefined();
  });
});

describe("EncodedBody", () => {
  it("compresses once per coding and gives back exactly the text", () => {
    const text = `#EXTM3U\n${"#EXTINF:30.000,\nhttps://bucket.example/movie/cam1/x.ts\n".repeat(500)}`;
    const body = EncodedBody.of(text);
    const gz = body.for("gzip");
    expect(gz.coding).toBe("gzip");
    expect(gunzipSync(gz.bytes).toString("utf8")).toBe(text);
    expect(body.for("gzip").bytes).toBe(gz.bytes);
    const br = body.for("br");
    expect(brotliDecompressSync(br.bytes).toString("utf8")).toBe(text);
    expect(gz.bytes.length).toBeLessThan(text.length / 10);
    expect(body.size).toBe(body.bytes.length + gz.bytes.length + br.bytes.length);
    expect(body.for(undefined)).toEqual({ bytes: body.bytes });
  });
});
