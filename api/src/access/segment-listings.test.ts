import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import type { TimeRange } from "../http/time-range";
import { SegmentListings } from "./segment-listings";

const seg = (startMs: number): StoredSegment => ({
  key: `k${startMs}`,
  channel: "cam1",
  startMs,
  durationMs: 2_000,
  run: 1,
  seq: startMs / 2_000,
});

function setup(maxFinalSegments = 100) {
  let now = 100_000;
  const loads: TimeRange[] = [];
  const listings = new SegmentListings({ now: () => now, refreshMs: 500, maxFinalSegments });
  const load = async (r: TimeRange) => {
    loads.push(r);
    await new Promise((res) => setTimeout(res, 5));
    const out: StoredSegment[] = [];
    for (let t = Math.ceil(r.startMs / 2_000) * 2_000; t < Math.min(r.endMs, now); t += 2_000)
      out.push(seg(t));
    return out;
  };
  return { listings, loads, load, tick: (ms: number) => (now += ms), at: () => now };
}

describe("SegmentListings", () => {
  it("shares one recent listing among concurrent and repeated callers until the refresh is due", async () => {
    const { listings, loads, load, tick, at } = setup();
    const range = () => ({ startMs: at() - 20_000, endMs: at() + 60_000 });
    const first = await Promise.all(
      Array.from({ length: 50 }, () => listings.recent("cam1", range(), load)),
    );
    expect(loads).toHaveLength(1);
    expect(new Set(first.map((s) => s.length))).toEqual(new Set([10]));
    tick(499);
    await listings.recent("cam1", range(), load);
    expect(loads).toHaveLength(1);
    tick(1);
    await listings.recent("cam1", range(), load);
    expect(loads).toHaveLength(2);
    // A longer window than the shared listing reaches back to: listed for itself.
    await listings.recent("cam1", { startMs: at() - 60_000, endMs: at() + 60_000 }, load);
    expect(loads).toHaveLength(3);
    // Another channel has its own listing.
    await listings.recent("cam2", range(), load);
    expect(loads).toHaveLength(4);
  });

  it("lists a range once for concurrent callers, keeps it when final, forgets it when not", async () => {
    const { listings, loads, load, tick } = setup();
    const r = { startMs: 0, endMs: 20_000 };
    await Promise.all(Array.from({ length: 10 }, () => listings.range("cam1", r, false, load)));
    expect(loads).toHaveLength(1);
    await listings.range("cam1", r, false, load);
    expect(loads).toHaveLength(2);
    await Promise.all(Array.from({ length: 10 }, () => listings.range("cam1", r, true, load)));
    expect(loads).toHaveLength(3);
    tick(3_600_000);
    expect(await listings.range("cam1", r, true, load)).toHaveLength(10);
    expect(loads).toHaveLength(3);
    expect(listings.finalSegments).toBe(10);
    listings.invalidate("cam1");
    expect(listings.finalSegments).toBe(0);
    await listings.range("cam1", r, true, load);
    expect(loads).toHaveLength(4);
  });

  it("keeps finished listings within its segment bound, least recently used out first", async () => {
    const { listings, loads, load } = setup(25);
    const a = { startMs: 0, endMs: 20_000 };
    const b = { startMs: 20_000, endMs: 40_000 };
    const c = { startMs: 40_000, endMs: 60_000 };
    await listings.range("cam1", a, true, load);
    await listings.range("cam1", b, true, load);
    await listings.range("cam1", a, true, load); // a is now the most recent
    await listings.range("cam1", c, true, load);
    expect(listings.finalSegments).toBe(20);
    expect(loads).toHaveLength(3);
    await listings.range("cam1", a, true, load);
    expect(loads).toHaveLength(3);
    await listings.range("cam1", b, true, load);
    expect(loads).toHaveLength(4);
    await listings.range("cam1", { startMs: 0, endMs: 60_000 }, true, load); // 30 > bound: not kept
    expect(listings.finalSegments).toBeLessThanOrEqual(25);
  });
});
