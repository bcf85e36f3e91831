import { describe, expect, it } from "vitest";
import {
  isDiscontinuity,
  type PlaylistEntry,
  renderLivePlaylist,
  renderRangePlaylist,
  seconds,
  targetDurationSeconds,
} from "./m3u8";

const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const entry = (i: number, over: Partial<PlaylistEntry> = {}): PlaylistEntry => ({
  uri: `s${i}.ts`,
  startMs: T0 + i * 30_000,
  durationMs: 30_000,
  run: 1,
  seq: 100 + i,
  ...over,
});

describe("renderRangePlaylist", () => {
  it("renders a finished range as VOD with ENDLIST, real durations and a precise start offset", () => {
    const text = renderRangePlaylist({
      entries: [entry(0), entry(1, { durationMs: 29_979 })],
      requestedStartMs: T0 + 12_345,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(text).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:30",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-DISCONTINUITY-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-START:TIME-OFFSET=12.345,PRECISE=YES",
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T10:30:00.000Z",
        "#EXTINF:30.000,",
        "s0.ts",
        "#EXTINF:29.979,",
        "s1.ts",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });

  it("renders a discontinuity where the run changes, with the new wall-clock time", () => {
    const text = renderRangePlaylist({
      entries: [entry(0), entry(1, { run: 2, startMs: T0 + 45_000 })],
      requestedStartMs: T0,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(text).toContain(
      "s0.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-22T10:30:45.000Z\n",
    );
  });

  it("renders a discontinuity at a gap above the tolerance but not at jitter below it", () => {
    const jitter = renderRangePlaylist({
      entries: [entry(0), entry(1, { startMs: T0 + 30_400 })],
      requestedStartMs: T0,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(jitter).not.toContain("#EXT-X-DISCONTINUITY\n");
    const gap = renderRangePlaylist({
      entries: [entry(0), entry(1, { startMs: T0 + 95_000 })],
      requestedStartMs: T0,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(gap.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
  });

  it("renders a range reaching into the future as a growing EVENT playlist without ENDLIST", () => {
    const text = renderRangePlaylist({
      entries: [entry(0)],
      requestedStartMs: T0,
      type: "EVENT",
      gapToleranceMs: 500,
    });
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(text).not.toContain("#EXT-X-ENDLIST");
  });

  it("starts at offset 0 when the first segment begins after the requested start", () => {
    const text = renderRangePlaylist({
      entries: [entry(1)],
      requestedStartMs: T0,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(text).toContain("#EXT-X-START:TIME-OFFSET=0.000,PRECISE=YES");
  });

  it("takes the target duration from the longest segment, rounded up", () => {
    const text = renderRangePlaylist({
      entries: [entry(0, { durationMs: 2_000 }), entry(1, { durationMs: 30_001 })],
      requestedStartMs: T0,
      type: "VOD",
      gapToleranceMs: 500,
    });
    expect(text).toContain("#EXT-X-TARGETDURATION:31\n");
  });

  it("refuses to render an empty playlist", () => {
    expect(() =>
      renderRangePlaylist({ entries: [], requestedStartMs: T0, type: "VOD", gapToleranceMs: 500 }),
    ).toThrow(RangeError);
  });
});

describe("renderLivePlaylist", () => {
  it("numbers media by seq and discontinuities by run, with a tag at each run change", () => {
    const text = renderLivePlaylist({
      entries: [entry(0, { run: 4 }), entry(1, { run: 5 }), entry(2, { run: 5 })],
      targetDurationSeconds: 30,
    });
    expect(text).toContain("#EXT-X-MEDIA-SEQUENCE:100\n");
    expect(text).toContain("#EXT-X-DISCONTINUITY-SEQUENCE:4\n");
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).not.toContain("ENDLIST");
    expect(text).not.toContain("PLAYLIST-TYPE");
  });

  it("keeps the channel's target duration whatever the window holds, and ends when asked", () => {
    // EXT-X-TARGETDURATION must not change between reloads (RFC 8216 6.2.1).
    for (const durationMs of [500, 2_000, 30_400]) {
      expect(
        renderLivePlaylist({ entries: [entry(0, { durationMs })], targetDurationSeconds: 30 }),
      ).toContain("#EXT-X-TARGETDURATION:30\n");
    }
    const ended = renderLivePlaylist({
      entries: [entry(0)],
      targetDurationSeconds: 30,
      ended: true,
    });
    expect(ended.endsWith("#EXT-X-ENDLIST\n")).toBe(true);
  });
});

describe("formatting helpers", () => {
  it("formats milliseconds as seconds with three decimals", () => {
    expect(seconds(0)).toBe("0.000");
    expect(seconds(5)).toBe("0.005");
    expect(seconds(2_050)).toBe("2.050");
    expect(seconds(29_979)).toBe("29.979");
    expect(seconds(86_400_000)).toBe("86400.000");
  });

  it("never lets an EXTINF rounded to an integer exceed the target duration", () => {
    for (const ms of [1, 499, 500, 1_499, 1_500, 2_000, 29_500, 30_000, 30_499, 30_500]) {
      expect(Math.round(ms / 1000)).toBeLessThanOrEqual(targetDurationSeconds(ms));
    }
  });

  it("treats an overlap beyond the tolerance as a discontinuity too (a clock step)", () => {
    expect(
      isDiscontinuity({ run: 1, startMs: 0, durationMs: 2_000 }, { run: 1, startMs: 1_000 }, 500),
    ).toBe(true);
    expect(
      isDiscontinuity({ run: 1, startMs: 0, durationMs: 2_000 }, { run: 1, startMs: 2_010 }, 500),
    ).toBe(false);
  });
});
