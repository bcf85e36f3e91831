import { describe, expect, it } from "vitest";
import { channelPrefix, segmentKey } from "./segment-key";
import { parseThumbnailKey, thumbnailKey } from "./thumbnail-key";

const seg = {
  channel: "cam1",
  startMs: Date.UTC(2026, 10, 22, 10, 30, 0, 5),
  durationMs: 30_000,
  run: 42,
  seq: 1234,
};

describe("thumbnail keys", () => {
  it("mirror the segment key under movie/_thumbs/ with .jpg", () => {
    expect(thumbnailKey("movie", seg)).toBe(
      "movie/_thumbs/cam1/2026-11-22/10-30-00.005Z_30000ms_r42_s1234.jpg",
    );
  });

  it("round-trip to the segment they belong to", () => {
    const key = thumbnailKey("movie", seg);
    expect(parseThumbnailKey("movie", key)).toEqual({ ...seg, key });
  });

  it("sit outside every channel's segment prefix", () => {
    const key = thumbnailKey("movie", seg);
    expect(key.startsWith(channelPrefix("movie", "cam1"))).toBe(false);
    expect(key.startsWith("movie/_thumbs/")).toBe(true);
  });

  it("are not segments, and segments are not thumbnails", () => {
    expect(parseThumbnailKey("movie", segmentKey("movie", seg))).toBeUndefined();
    expect(parseThumbnailKey("movie", "movie/_thumbs/cam1/2026-11-22/x.jpg")).toBeUndefined();
    expect(parseThumbnailKey("other", thumbnailKey("movie", seg))).toBeUndefined();
  });
});
