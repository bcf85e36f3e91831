import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { DayIndexes, type DayIndexStore } from "./day-indexes";

const DAY = Date.parse("2026-11-22T00:00:00Z");
const seg = (startMs: number): StoredSegment => ({
  key: `k${startMs}`,
  channel: "cam1",
  startMs,
  durationMs: 30_000,
  run: 1,
  seq: 1,
});

/** A store in memory: `bucket` is the truth a listing reads, `indexes` what was written. */
function memoryStore() {
  const bucket = new Map<number, StoredSegment[]>();
  const indexes = new Map<string, StoredSegment[]>();
  const calls = { read: 0, list: 0, write: 0 };
  let listGate: Promise<void> = Promise.resolve();
  const store: DayIndexStore = {
    async read(channel, day) {
      calls.read++;
      await new Promise((r) => setTimeout(r, 2));
      return indexes.get(`${channel}|${day}`);
    },
    async list(_channel, day) {
      calls.list++;
      const listed = [...(bucket.get(day) ?? [])];
      await listGate;
      return listed;
    },
    async write(channel, day, segments) {
      calls.write++;
      indexes.set(`${channel}|${day}`, segments);
    },
  };
  return {
    store,
    bucket,
    indexes,
    calls,
    holdListings: () => {
      let release = () => {};
      listGate = new Promise((r) => {
        release = r;
      });
      return release;
    },
  };
}

describe("DayIndexes", () => {
  it("lists a day without an index once, indexes it, then reads only the index", async () => {
    const m = memoryStore();
    m.bucket.set(DAY, [seg(DAY), seg(DAY + 30_000)]);
    const days = new DayIndexes(m.store);
    expect(await days.day("cam1", DAY)).toHaveLength(2);
    expect(m.calls).toEqual({ read: 1, list: 1, write: 1 });
    expect(days.built).toBe(1);
    expect(await days.day("cam1", DAY)).toHaveLength(2);
    expect(m.calls).toEqual({ read: 2, list: 1, write: 1 });
  });

  it("shares one read or build between concurrent callers of a day", async () => {
    const m = memoryStore();
    m.bucket.set(DAY, [seg(DAY)]);
    const days = new DayIndexes(m.store);
    await Promise.all(Array.from({ length: 10 }, () => days.day("cam1", DAY)));
    expect(m.calls).toEqual({ read: 1, list: 1, write: 1 });
  });

  it("indexes an empty day too (a day with no recording costs one GET from then on)", async () => {
    const m = memoryStore();
    const days = new DayIndexes(m.store);
    expect(await days.day("cam1", DAY)).toEqual([]);
    expect(m.indexes.get(`cam1|${DAY}`)).toEqual([]);
  });

  it("does not write an index whose listing started before a deletion of the channel", async () => {
    const m = memoryStore();
    m.bucket.set(DAY, [seg(DAY), seg(DAY + 30_000)]);
    const days = new DayIndexes(m.store);
    const release = m.holdListings();
    const building = days.day("cam1", DAY);
    await new Promise((r) => setTimeout(r, 10)); // the listing has read the bucket
    days.invalidate("cam1"); // recordings deleted meanwhile
    release();
    expect(await building).toHaveLength(2); // served once, as a listing would
    expect(m.indexes.has(`cam1|${DAY}`)).toBe(false);
    // Another channel's builds are not held back.
    m.bucket.set(DAY + 1, [seg(DAY)]);
    await days.day("cam2", DAY);
    expect(m.indexes.has(`cam2|${DAY}`)).toBe(true);
  });
});
