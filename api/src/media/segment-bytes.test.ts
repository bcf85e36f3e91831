import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import type { SegmentBytes } from "./fmp4-remux";
import { readAhead } from "./segment-bytes";

const seg = (seq: number, size: number): StoredSegment => ({
  key: `k${seq}`,
  channel: "cam1",
  run: 1,
  seq,
  startMs: seq * 1000,
  durationMs: 1000,
  size,
});

/** Records when each read starts, relative to what was handed out. */
function recorder() {
  const events: string[] = [];
  const read = async (s: StoredSegment): Promise<SegmentBytes> => {
    events.push(`read ${s.seq}`);
    return {
      key: s.key,
      run: s.run,
      seq: s.seq,
      startMs: s.startMs,
      bytes: new Uint8Array(s.size!),
    };
  };
  return { events, read };
}

describe("readAhead", () => {
  it("fetches the next segment while the current one is in use", async () => {
    const { events, read } = recorder();
    for await (const s of readAhead(read, [seg(0, 10), seg(1, 10), seg(2, 10)], 100)) {
      events.push(`use ${s.seq}`);
    }
    expect(events).toEqual(["read 0", "read 1", "use 0", "read 2", "use 1", "use 2"]);
  });

  it("waits for its turn when two segments would be over the budget", async () => {
    const { events, read } = recorder();
    for await (const s of readAhead(read, [seg(0, 60), seg(1, 60), seg(2, 30)], 100)) {
      events.push(`use ${s.seq}`);
    }
    expect(events).toEqual(["read 0", "use 0", "read 1", "read 2", "use 1", "use 2"]);
  });

  it("reports a failed read when its turn comes", async () => {
    const read = async (s: StoredSegment): Promise<SegmentBytes> => {
      if (s.seq === 1) throw new Error("gone");
      return { key: s.key, run: 1, seq: s.seq, startMs: 0, bytes: new Uint8Array(1) };
    };
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const s of readAhead(read, [seg(0, 1), seg(1, 1)], 100)) got.push(s.seq);
      })(),
    ).rejects.toThrow("gone");
    expect(got).toEqual([0]);
  });
});
