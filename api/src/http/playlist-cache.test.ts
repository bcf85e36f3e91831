import { describe, expect, it } from "vitest";
import { EncodedBody } from "./compressed-body";
import { PlaylistCache } from "./playlist-cache";

const body = (text: string) => EncodedBody.of(text);

describe("PlaylistCache", () => {
  it("evicts the least recently used entries beyond its byte budget", () => {
    const cache = new PlaylistCache(40);
    cache.set("a", { body: body("x".repeat(9)), etag: "1" });
    cache.set("b", { body: body("y".repeat(9)), etag: "2" });
    cache.get("a"); // a is now the most recent
    cache.set("c", { body: body("z".repeat(9)), etag: "3" });
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.etag).toBe("1");
    expect(cache.get("c")?.etag).toBe("3");
    expect(cache.bytes).toBeLessThanOrEqual(40);
  });

  it("does not keep an entry larger than the whole budget", () => {
    const cache = new PlaylistCache(10);
    cache.set("big", { body: body("x".repeat(100)), etag: "1" });
    expect(cache.size).toBe(0);
  });
});
