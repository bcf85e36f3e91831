import { describe, expect, it } from "vitest";
import { mediaEntry } from "./media-entry";

const csv = { name: "seg000001.ts", startS: 2.021333, endS: 4.021333 };

describe("mediaEntry", () => {
  it("keeps the csv's exact, continuous times for a whole segment whose media agrees", () => {
    expect(mediaEntry(csv, { durationMs: 2005, trimmed: false })).toEqual({ entry: csv });
  });

  it("ends a trimmed segment where its media ends", () => {
    const { entry } = mediaEntry(csv, { durationMs: 1040, trimmed: true });
    expect(entry.startS).toBe(csv.startS);
    expect(entry.endS).toBeCloseTo(3.061333, 9);
  });

  it("never lets a trimmed segment run past its csv end (into the next segment)", () => {
    // Audio leading the video cut makes the media span a little longer than the video.
    expect(mediaEntry(csv, { durationMs: 2010, trimmed: true }).entry).toEqual(csv);
  });

  it("keeps the csv times of a whole segment whose media disagrees, and says so", () => {
    expect(mediaEntry(csv, { durationMs: 1500, trimmed: false })).toEqual({
      entry: csv,
      disagreement: "media lasts 1500 ms, ffmpeg listed 2000 ms",
    });
  });
});
