import { segmentKey, ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import {
  parsePlaylistName,
  parseStoredPlaylistRequest,
  relativeSegmentUri,
  renderStoredPlaylist,
  rewriteStoredPlaylist,
  segmentOfRelativeUri,
  storedPlaylistUrl,
} from "./stored-playlist";

const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const ref = (i: number, run = 1) => ({
  channel: "cam1",
  startMs: T0 + i * 2_000,
  durationMs: 2_000,
  run,
  seq: i,
});
const stored = (i: number, run = 1) => ({ ...ref(i, run), key: segmentKey("movie", ref(i, run)) });

describe("relative segment URIs", () => {
  it("point from movie/cam1/vod/ to the day folder, and back to the same segment", () => {
    const seg = stored(0);
    const uri = relativeSegmentUri("movie", "cam1", seg.key);
    expect(uri).toBe("../2026-11-22/10-30-00.000Z_2000ms_r1_s0.ts");
    // Resolved the way a player or CDN does it, from the stored object's URL.
    const resolved = new URL(uri, "http://bucket.example/movie/cam1/vod/clip.m3u8");
    expect(resolved.pathname).toBe(`/${seg.key}`);
    expect(segmentOfRelativeUri("movie", "cam1", uri)).toMatchObject(ref(0));
  });

  it("works under a nested S3_MOVIE_KEY", () => {
    const key = segmentKey("site-a/movie", ref(1));
    expect(relativeSegmentUri("site-a/movie", "cam1", key)).toBe(
      "../2026-11-22/10-30-02.000Z_2000ms_r1_s1.ts",
    );
  });

  it("recognises nothing but a segment of this channel", () => {
    for (const uri of ["../../cam2/2026-11-22/x.ts", "http://evil/x.ts", "../vod/a.m3u8", ""]) {
      expect(segmentOfRelativeUri("movie", "cam1", uri)).toBeUndefined();
    }
  });
});

describe("renderStoredPlaylist", () => {
  it("is a VOD playlist with relative URIs, a discontinuity at the restart and playback from start", () => {
    const text = renderStoredPlaylist(
      "movie",
      "cam1",
      [stored(0), stored(1), stored(3, 2)],
      T0 + 500,
    );
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(text).toContain("#EXT-X-ENDLIST");
    expect(text).toContain("#EXT-X-START:TIME-OFFSET=0.500,PRECISE=YES");
    expect(text.match(/^\.\.\/2026-11-22\/.*\.ts$/gm)).toHaveLength(3);
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).not.toMatch(/http|X-Amz|sig=/);
  });

  it("rewrites to playback URIs for the API, leaving tags alone", () => {
    const text = renderStoredPlaylist("movie", "cam1", [stored(0), stored(1)], T0);
    const out = rewriteStoredPlaylist(text, "movie", "cam1", (s) => `https://cdn/${s.key}`);
    expect(out.match(/^https:\/\/cdn\/movie\/cam1\/2026-11-22\/.*\.ts$/gm)).toHaveLength(2);
    expect(out.split("\n").filter((l) => l.startsWith("#"))).toEqual(
      text.split("\n").filter((l) => l.startsWith("#")),
    );
  });
});

describe("names and requests", () => {
  it("accepts names of letters, digits, _ - and .", () => {
    expect(parsePlaylistName("front-door_2026-11-22.1")).toBe("front-door_2026-11-22.1");
  });

  it.each([[""], [".hidden"], ["a/b"], ["../x"], ["a b"], ["x".repeat(65)], ["x.m3u8"], [5]])(
    "refuses %j naming name",
    (name) => {
      try {
        parsePlaylistName(name);
        expect.unreachable();
      } catch (err) {
        expect((err as ValidationError).field).toBe("name");
      }
    },
  );

  it("parses {name,start,end} and names each bad field", () => {
    expect(
      parseStoredPlaylistRequest(
        { name: "a", start: "2026-11-22T19:30:00+09:00", end: 1795343460 },
        24,
      ),
    ).toEqual({ name: "a", startMs: T0, endMs: 1795343460_000 });
    const bad: [Record<string, unknown>, string][] = [
      [{ start: "1795343400", end: "1795343460" }, "name"],
      [{ name: "a/b", start: "1795343400", end: "1795343460" }, "name"],
      [{ name: "a", end: "1795343460" }, "start"],
      [{ name: "a", start: "yesterday", end: "1795343460" }, "start"],
      [{ name: "a", start: "1795343400" }, "end"],
      [{ name: "a", start: "1795343400", end: "1795343400" }, "end"],
      [{ name: "a", start: "1795343400", end: "1795443400" }, "end"],
      [{ name: "a", start: true, end: "1795343460" }, "start"],
      [{ name: "a", start: "1795343400", end: "1795343460", extra: 1 }, "extra"],
    ];
    for (const [body, field] of bad) {
      try {
        parseStoredPlaylistRequest(body, 24);
        expect.unreachable(JSON.stringify(body));
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe(field);
      }
    }
  });

  it("gives a public URL only with S3_HOSTING_URL", () => {
    expect(storedPlaylistUrl(undefined, "movie", "cam1", "a")).toBeUndefined();
    expect(storedPlaylistUrl("https://cdn.example", "movie", "cam1", "a")).toBe(
      "https://cdn.example/movie/cam1/vod/a.m3u8",
    );
  });
});
