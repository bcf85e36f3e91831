import type { StoredSegment } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { openAhead } from "./segment-body";

const seg = (seq: number): StoredSegment => ({
  key: `k${seq}`,
  channel: "cam1",
  run: 1,
  seq,
  startMs: seq * 1000,
  durationMs: 1000,
  size: 10,
});

/** Records when each body is opened and cancelled, relative to what was handed out. */
function recorder() {
  const events: string[] = [];
  const open = async (s: StoredSegment) => {
    events.push(`open ${s.seq}`);
    const body = new ReadableStream<Uint8Array>({
      cancel: () => {
        events.push(`cancel ${s.seq}`);
      },
    });
    return { seq: s.seq, body };
  };
  return { events, open };
}

describe("openAhead", () => {
  it("opens the next segment while the current one is in use", async () => {
    const { events, open } = recorder();
    for await (const s of openAhead(open, [seg(0), seg(1), seg(2)])) events.push(`use ${s.seq}`);
    expect(events).toEqual(["open 0", "open 1", "use 0", "open 2", "use 1", "use 2"]);
  });

  it("cancels the body opened ahead when the consumer stops early", async () => {
    const { events, open } = recorder();
    for await (const s of openAhead(open, [seg(0), seg(1), seg(2)])) {
      events.push(`use ${s.seq}`);
      break;
    }
    await expect.poll(() => events).toContain("cancel 1");
    expect(events).not.toContain("open 2");
  });

  it("reports a failed open when its turn comes", async () => {
    const open = async (s: StoredSegment) => {
      if (s.seq === 1) throw new Error("gone");
      return { seq: s.seq, body: new ReadableStream<Uint8Array>() };
    };
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const s of openAhead(open, [seg(0), seg(1)])) got.push(s.seq);
      })(),
    ).rejects.toThrow("gone");
    expect(got).toEqual([0]);
  });
});
