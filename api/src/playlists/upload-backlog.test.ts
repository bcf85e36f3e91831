import { describe, expect, it } from "vitest";
import { heartbeat } from "../../../test/helpers/heartbeat";
import { pendingFromMs } from "./upload-backlog";

const NOW = Date.UTC(2026, 11, 1, 10, 0, 0);
const HOUR = 3_600_000;

describe("pendingFromMs", () => {
  it("promises nothing without a heartbeat", () => {
    expect(pendingFromMs(undefined, NOW)).toBe(Number.POSITIVE_INFINITY);
  });

  it("is the oldest spooled segment of a fresh heartbeat", () => {
    const status = heartbeat(NOW, {
      queue: { segments: 120, bytes: 9e8, oldestStartMs: NOW - HOUR },
    });
    expect(pendingFromMs(status, NOW)).toBe(NOW - HOUR);
  });

  it("is the segment in progress while recording with an empty spool", () => {
    // heartbeat(NOW): the last segment ended at NOW; the next one started there.
    expect(pendingFromMs(heartbeat(NOW, { queue: { segments: 0, bytes: 0 } }), NOW)).toBe(NOW);
  });

  it("covers what a fresh-looking heartbeat with a long interval cannot report yet", () => {
    // One heartbeat a minute: 100 s after it, it is still fresh, yet the segment
    // in progress then may have closed and be stuck in the spool.
    const status = heartbeat(NOW - 100_000, {
      intervalSeconds: 60,
      queue: { segments: 0, bytes: 0 },
    });
    expect(pendingFromMs(status, NOW)).toBe(NOW - 100_000);
  });

  it("is open-ended (Infinity) for a fresh `disabled` heartbeat with an empty spool", () => {
    const status = heartbeat(NOW, { state: "disabled", queue: { segments: 0, bytes: 0 } });
    expect(pendingFromMs(status, NOW)).toBe(Number.POSITIVE_INFINITY);
  });

  it("leaves everything open for a queue that does not say its oldest segment (older recorders)", () => {
    const status = heartbeat(NOW, { state: "disabled", queue: { segments: 2, bytes: 10 } });
    expect(pendingFromMs(status, NOW)).toBe(Number.NEGATIVE_INFINITY);
  });

  it("leaves open everything after the last completed segment once the heartbeat is stale", () => {
    // The recorder lost the bucket 10 minutes ago: segments recorded since are spooled, unreported.
    const lost = NOW - 10 * 60_000;
    const status = heartbeat(lost, { queue: { segments: 0, bytes: 0 } });
    expect(pendingFromMs(status, NOW)).toBe(lost); // its last segment ended at `lost`
    const withBacklog = heartbeat(lost, {
      queue: { segments: 3, bytes: 1, oldestStartMs: lost - HOUR },
    });
    expect(pendingFromMs(withBacklog, NOW)).toBe(lost - HOUR);
  });

  it("uses the heartbeat's time when a stale one names no segment", () => {
    const lost = NOW - 10 * 60_000;
    const status = heartbeat(lost, { queue: { segments: 0, bytes: 0 }, lastSegment: undefined });
    expect(pendingFromMs(status, NOW)).toBe(lost - 1_000); // written 1 s before `lost`
  });

  it("expects nothing more from a recorder that stopped cleanly, beyond its spool", () => {
    const stopped = heartbeat(NOW - HOUR, { state: "stopped", queue: { segments: 0, bytes: 0 } });
    expect(pendingFromMs(stopped, NOW)).toBe(Number.POSITIVE_INFINITY);
    const leftBehind = heartbeat(NOW - HOUR, {
      state: "stopped",
      queue: { segments: 2, bytes: 1, oldestStartMs: NOW - 2 * HOUR },
    });
    expect(pendingFromMs(leftBehind, NOW)).toBe(NOW - 2 * HOUR);
  });

  it("treats an unreadable heartbeat time as stale from the start of time", () => {
    const status = heartbeat(NOW, { updatedAt: "garbage", lastSegment: undefined });
    expect(pendingFromMs(status, NOW)).toBe(Number.NEGATIVE_INFINITY);
  });
});
