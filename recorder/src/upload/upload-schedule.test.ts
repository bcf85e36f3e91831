import { describe, expect, it } from "vitest";
import { nextWakeAt, pickNext, planStarts, type Schedulable } from "./upload-schedule";

interface Seg extends Schedulable {
  name: string;
}

/** Segments of 2 s, arriving in time order unless `arrival` says otherwise. */
function seg(seq: number, extra: Partial<Seg> = {}): Seg {
  return {
    name: `s${seq}`,
    arrival: seq,
    startMs: 1_000_000 + seq * 2_000,
    seq,
    notBeforeMs: 0,
    ...extra,
  };
}

const base = {
  now: 5_000_000,
  active: 0,
  liveBusy: false,
  blockedUntilMs: 0,
  storeOk: true,
};

function names(plan: { item: Seg; live: boolean }[]): string[] {
  return plan.map((p) => `${p.item.name}${p.live ? " (live)" : ""}`);
}

describe("upload scheduling", () => {
  it("sends the newest segment on the live slot and drains the backlog oldest first beside it", () => {
    const items = Array.from({ length: 10 }, (_, i) => seg(i + 1));
    expect(names(planStarts({ ...base, items, concurrency: 3 }))).toEqual([
      "s10 (live)",
      "s1",
      "s2",
    ]);
  });

  it("gives a segment that arrives during a backlog the live slot as soon as it frees", () => {
    // s5 (live) and s1 (backlog) went out; s5 is confirmed, then s6 arrives.
    const items = [seg(1, { inFlight: true }), seg(2), seg(3), seg(4), seg(6)];
    expect(
      names(planStarts({ ...base, items, concurrency: 2, active: 1, liveBusy: false })),
    ).toEqual(["s6 (live)"]);
  });

  it("uses a free backlog slot for the oldest waiting segment while the live slot is busy", () => {
    const items = [seg(1), seg(2), seg(3, { inFlight: true })];
    expect(
      names(planStarts({ ...base, items, concurrency: 2, active: 1, liveBusy: true })),
    ).toEqual(["s1"]);
  });

  it("orders the backlog by recording time, not by arrival (a resumed spool arrives in any order)", () => {
    const items = [seg(3, { arrival: 1 }), seg(1, { arrival: 2 }), seg(2, { arrival: 3 })];
    expect(pickNext(items, false, base.now)?.name).toBe("s1");
    expect(pickNext(items, true, base.now)?.name).toBe("s2"); // the last handed over
  });

  it("breaks equal start times by sequence number", () => {
    const items = [seg(7, { startMs: 10 }), seg(6, { startMs: 10 })];
    expect(pickNext(items, false, base.now)?.name).toBe("s6");
  });

  it("with concurrency 1 the only slot is the live slot: newest first, then the backlog newest to oldest", () => {
    const items = [seg(1), seg(2), seg(3)];
    const order: string[] = [];
    while (items.length > 0) {
      const [next] = planStarts({ ...base, items, concurrency: 1 });
      order.push(next!.item.name);
      items.splice(items.indexOf(next!.item), 1);
    }
    expect(order).toEqual(["s3", "s2", "s1"]);
  });

  it("skips segments in flight and segments waiting for their own retry", () => {
    const items = [seg(1, { notBeforeMs: base.now + 1 }), seg(2, { inFlight: true }), seg(3)];
    expect(names(planStarts({ ...base, items, concurrency: 4, active: 1 }))).toEqual(["s3 (live)"]);
    expect(pickNext([seg(1, { notBeforeMs: base.now })], false, base.now)?.name).toBe("s1");
  });

  it("starts nothing while the store is backing off", () => {
    const items = [seg(1), seg(2)];
    expect(planStarts({ ...base, items, concurrency: 2, blockedUntilMs: base.now + 500 })).toEqual(
      [],
    );
  });

  it("sends one probe at a time while the store fails, and the probe is the newest segment", () => {
    const items = [seg(1), seg(2), seg(3)];
    expect(names(planStarts({ ...base, items, concurrency: 4, storeOk: false }))).toEqual([
      "s3 (live)",
    ]);
    items[2]!.inFlight = true;
    expect(
      planStarts({ ...base, items, concurrency: 4, storeOk: false, active: 1, liveBusy: true }),
    ).toEqual([]);
  });

  it("never starts more than the concurrency", () => {
    const items = Array.from({ length: 20 }, (_, i) => seg(i + 1));
    expect(planStarts({ ...base, items, concurrency: 4, active: 2, liveBusy: true })).toHaveLength(
      2,
    );
    expect(planStarts({ ...base, items, concurrency: 4, active: 4, liveBusy: true })).toEqual([]);
  });

  it("does not mark anything in flight itself", () => {
    const items = [seg(1), seg(2)];
    planStarts({ ...base, items, concurrency: 2 });
    expect(items.every((i) => i.inFlight === undefined)).toBe(true);
  });
});

describe("upload wake-up time", () => {
  it("wakes at the earliest retry time of a waiting segment", () => {
    const items = [
      seg(1, { notBeforeMs: base.now + 900 }),
      seg(2, { notBeforeMs: base.now + 300 }),
      seg(3, { inFlight: true, notBeforeMs: base.now + 100 }),
    ];
    expect(nextWakeAt({ ...base, items, concurrency: 2, active: 1 })).toBe(base.now + 300);
  });

  it("waits for the store's backoff even when a segment is due", () => {
    const items = [seg(1)];
    expect(nextWakeAt({ ...base, items, concurrency: 2, blockedUntilMs: base.now + 2_000 })).toBe(
      base.now + 2_000,
    );
  });

  it("needs no timer when nothing waits, something is due, or every slot is busy", () => {
    expect(nextWakeAt({ ...base, items: [], concurrency: 2 })).toBeUndefined();
    expect(nextWakeAt({ ...base, items: [seg(1)], concurrency: 2 })).toBeUndefined();
    expect(
      nextWakeAt({
        ...base,
        items: [seg(1, { notBeforeMs: base.now + 5 })],
        concurrency: 1,
        active: 1,
      }),
    ).toBeUndefined();
  });
});
