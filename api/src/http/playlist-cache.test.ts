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

  it("keeps the recency order through repeated hits on one entry and after a channel is dropped", () => {
    const cache = new PlaylistCache(40);
    const entry = (etag: string) => ({ body: body("x".repeat(9)), etag });
    cache.set("cam1|a", entry("1"));
    cache.set("cam2|b", entry("2"));
    cache.get("cam1|a");
    cache.get("cam1|a"); // already the most recent: nothing to reorder
    cache.set("cam2|c", entry("3")); // evicts b, the least recent
    expect(cache.get("cam2|b")).toBeUndefined();
    cache.dropChannel("cam2"); // c, the most recent, goes
    cache.set("cam2|d", entry("4"));
    cache.get("cam1|a"); // a is the most recent again
    cache.set("cam2|e", entry("5")); // evicts d
    expect(cache.get("cam2|d")).toBeUndefined();
    expect(cache.get("cam1|a")?.etag).toBe("1");
    expect(cache.get("cam2|e")?.etag).toBe("5");
  });

  it("does not keep an entry larger than the whole budget", () => {
    const cache = new PlaylistCache(10);
    cache.set("big", { body: body("x".repeat(100)), etag: "1" });
    expect(cache.size).toBe(0);
  });
});
