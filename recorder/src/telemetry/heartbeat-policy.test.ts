import type { ChannelStatus } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import {
  backlogLevel,
  heartbeatDue,
  heartbeatFingerprint,
  keepAliveFor,
  keepAliveOf,
  type LastWrite,
} from "./heartbeat-policy";

const T = Date.parse("2026-12-01T10:00:00.000Z");

function status(over: Partial<ChannelStatus> = {}): ChannelStatus {
  return {
    schema: 1,
    channel: "cam1",
    state: "recording",
    since: new Date(T - 60_000).toISOString(),
    source: "test",
    media: { videoCodec: "h264", width: 640, height: 480, fps: 25, bitrate: 1_000_000 },
    lastSegment: { key: "k1", startMs: T - 30_000, durationMs: 30_000 },
    queue: { segments: 1, bytes: 100, oldestStartMs: T - 30_000 },
    diskFreeBytes: 5e9,
    dropped: 0,
    lastError: null,
    recorderVersion: "1",
    updatedAt: new Date(T).toISOString(),
    intervalSeconds: 600,
    hostname: "pi",
    ...over,
  };
}

const written = (s: ChannelStatus, atMs = T): LastWrite => ({
  fingerprint: heartbeatFingerprint(s),
  atMs,
  keepAliveMs: s.intervalSeconds * 1000,
});

describe("heartbeat policy", () => {
  it("does not write for what changes with every segment: last segment, uploads, bytes, free disk, bitrate", () => {
    const last = written(status());
    const next = status({
      lastSegment: { key: "k2", startMs: T, durationMs: 30_000 },
      lastUploaded: { key: "k2", at: new Date(T + 31_000).toISOString() },
      queue: { segments: 1, bytes: 999, oldestStartMs: T },
      diskFreeBytes: 4e9,
      media: { videoCodec: "h264", width: 640, height: 480, fps: 25, bitrate: 1_100_000 },
      updatedAt: new Date(T + 31_000).toISOString(),
    });
    expect(heartbeatDue(last, next, T + 31_000)).toBe(false);
  });

  it("writes at once when the state, the error, the media, drops or the clock change", () => {
    const base = status();
    const last = written(base);
    const changes: Partial<ChannelStatus>[] = [
      { state: "reconnecting" },
      { sourceState: "source unavailable" },
      { lastError: { at: "x", message: "AccessDenied", source: "upload" } },
      { media: { videoCodec: "h264", width: 1280, height: 720, fps: 25 } },
      { dropped: 1 },
      { quarantined: 1 },
      { settingsProblem: "cannot read" },
      { clock: { synchronised: true, held: 3 } },
    ];
    for (const c of changes) expect(heartbeatDue(last, status(c), T + 1_000)).toBe(true);
  });

  it("does not write again when only the time of a repeated error changes", () => {
    const err = (at: string) => ({
      at,
      code: "AccessDenied",
      message: "denied",
      source: "upload" as const,
    });
    const last = written(status({ state: "error", lastError: err("2026-12-01T10:00:00Z") }));
    const next = status({ state: "error", lastError: err("2026-12-01T10:00:30Z") });
    expect(heartbeatDue(last, next, T + 30_000)).toBe(false);
  });

  it("writes when the backlog crosses a doubling, up or down, not for each segment", () => {
    expect([0, 1, 2, 3, 4, 7, 8, 100].map(backlogLevel)).toEqual([0, 0, 1, 1, 2, 2, 3, 6]);
    const q = (segments: number) => status({ queue: { segments, bytes: 0 } });
    expect(heartbeatDue(written(q(0)), q(1), T + 1)).toBe(false);
    expect(heartbeatDue(written(q(1)), q(2), T + 1)).toBe(true);
    expect(heartbeatDue(written(q(2)), q(3), T + 1)).toBe(false);
    expect(heartbeatDue(written(q(5)), q(1), T + 1)).toBe(true);
  });

  it("keeps alive on the interval of the last write, and writes when the clock went backwards", () => {
    const s = status();
    const last = written(s);
    expect(heartbeatDue(last, s, T + 599_999)).toBe(false);
    expect(heartbeatDue(last, s, T + 600_000)).toBe(true);
    expect(heartbeatDue(last, s, T - 1)).toBe(true);
    expect(heartbeatDue(undefined, s, T)).toBe(true);
  });

  it("stretches the keep-alive tenfold while recording, capped at an hour", () => {
    const k = keepAliveOf(60_000);
    expect(keepAliveFor({ state: "recording" }, k)).toBe(600_000);
    for (const state of ["reconnecting", "disabled", "error", "stopped"] as const)
      expect(keepAliveFor({ state }, k)).toBe(60_000);
    expect(keepAliveOf(1_800_000).recordingMs).toBe(3_600_000);
  });
});
