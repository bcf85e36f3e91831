import { describe, expect, it } from "vitest";
import { parseChannelStatus, parseRunRecord } from "./channel-status";

const status = {
  schema: 1,
  channel: "cam1",
  state: "recording",
  since: "2026-11-22T10:30:00.000Z",
  source: "rtsp://***@cam/stream",
  queue: { segments: 2, bytes: 4_000_000 },
  diskFreeBytes: null,
  dropped: 0,
  lastError: null,
  recorderVersion: "0.1.0",
  updatedAt: "2026-11-22T10:30:05.000Z",
  intervalSeconds: 5,
  hostname: "pi",
};

describe("channel status documents", () => {
  it("reads a heartbeat and keeps fields a later schema adds", () => {
    const parsed = parseChannelStatus({ ...status, futureField: 7 });
    expect(parsed?.state).toBe("recording");
    expect((parsed as Record<string, unknown>).futureField).toBe(7);
  });

  it("refuses junk instead of throwing: wrong schema, unknown state, missing queue", () => {
    expect(parseChannelStatus({ ...status, schema: 2 })).toBeUndefined();
    expect(parseChannelStatus({ ...status, state: "sleeping" })).toBeUndefined();
    const { queue: _q, ...noQueue } = status;
    expect(parseChannelStatus(noQueue)).toBeUndefined();
    expect(parseChannelStatus("not json")).toBeUndefined();
  });

  it("reads a run record that is still going on (no end yet)", () => {
    const run = parseRunRecord({
      schema: 1,
      channel: "cam1",
      run: 4,
      startedAt: "2026-11-22T10:30:00.000Z",
      endedAt: null,
      endReason: null,
      source: "test",
      recorderVersion: "0.1.0",
      hostname: "pi",
      updatedAt: "2026-11-22T10:30:00.000Z",
    });
    expect(run?.run).toBe(4);
    expect(run?.endedAt).toBeNull();
    expect(parseRunRecord({ schema: 1, channel: "cam1" })).toBeUndefined();
  });
});
