import type { ChannelStatus } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { heartbeat } from "../../../test/helpers/heartbeat";
import {
  channelState,
  needsSegmentProof,
  recordingProofAfterMs,
  redactText,
  staleAfterMs,
  statJson,
} from "./channel-state";

const NOW = Date.UTC(2026, 10, 22, 10, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();

const status = (over: Partial<ChannelStatus> = {}) => heartbeat(NOW, over);
const enabled = { status: "enabled" as const, updatedAt: iso(NOW - 3_600_000) };
const disabled = { status: "disabled" as const, updatedAt: iso(NOW - 60_000) };

describe("channelState", () => {
  it("is Live while a fresh heartbeat says recording, since the state changed", () => {
    const s = channelState(enabled, status(), NOW);
    expect(s).toMatchObject({
      state: "Live",
      since: iso(NOW - 600_000),
      heartbeatAge: 1,
      fresh: true,
    });
  });

  it("turns Idle once the heartbeat is 3 intervals old (15 s floor), since it was last heard", () => {
    expect(staleAfterMs(status({ intervalSeconds: 10 }))).toBe(30_000);
    expect(staleAfterMs(status({ intervalSeconds: 1 }))).toBe(15_000);
    const justFresh = channelState(enabled, status({ updatedAt: iso(NOW - 14_999) }), NOW);
    expect(justFresh.state).toBe("Live");
    const stale = channelState(enabled, status({ updatedAt: iso(NOW - 15_000) }), NOW);
    expect(stale).toMatchObject({
      state: "Idle",
      since: iso(NOW - 15_000),
      heartbeatAge: 15,
      fresh: false,
    });
    expect(stale.reason).toMatch(/no heartbeat for 15 s/);
  });

  it("is Disabled when the settings say so, whatever the heartbeat", () => {
    expect(channelState(disabled, status(), NOW)).toMatchObject({
      state: "Disabled",
      since: disabled.updatedAt,
    });
    expect(channelState(disabled, undefined, NOW).state).toBe("Disabled");
    // The recorder confirms: since comes from its state change.
    const confirmed = channelState(
      disabled,
      status({ state: "disabled", since: iso(NOW - 55_000) }),
      NOW,
    );
    expect(confirmed).toMatchObject({ state: "Disabled", since: iso(NOW - 55_000) });
  });

  it("is Disabled when a fresh heartbeat says disabled (re-enable not yet seen), Idle when that heartbeat is stale", () => {
    expect(channelState(enabled, status({ state: "disabled" }), NOW).state).toBe("Disabled");
    expect(channelState(undefined, status({ state: "disabled" }), NOW).state).toBe("Disabled");
    const gone = status({ state: "disabled", updatedAt: iso(NOW - 3_600_000) });
    expect(channelState(enabled, gone, NOW).state).toBe("Idle");
  });

  it("is Idle with no heartbeat, or a fresh one that is reconnecting, in error or stopped", () => {
    expect(channelState(undefined, undefined, NOW)).toMatchObject({
      state: "Idle",
      since: null,
      heartbeatAge: null,
    });
    for (const state of ["reconnecting", "error", "stopped"] as const) {
      const s = channelState(enabled, status({ state }), NOW);
      expect(s.state).toBe("Idle");
      expect(s.reason).toContain(state);
    }
  });

  it("says why a channel is not recording when the recorder waits for its source", () => {
    const s = channelState(
      enabled,
      status({
        state: "reconnecting",
        sourceState: "waiting for device",
        lastError: {
          at: iso(NOW),
          message: "device /dev/video9 does not exist: plug the camera in",
          source: "capture",
        },
      }),
      NOW,
    );
    expect(s.state).toBe("Idle");
    expect(s.reason).toBe(
      "the recorder is reconnecting: waiting for device (device /dev/video9 does not exist: plug the camera in)",
    );
    // An upload error is not the reason the camera is not recording.
    const upload = channelState(
      enabled,
      status({
        state: "reconnecting",
        sourceState: "source unavailable",
        lastError: { at: iso(NOW), message: "ECONNREFUSED", source: "upload" },
      }),
      NOW,
    );
    expect(upload.reason).toBe("the recorder is reconnecting: source unavailable");
  });

  it("reads a heartbeat without sourceState (older recorders) and one with a value added later", () => {
    expect(statJson("cam1", undefined, status(), NOW).sourceState).toBeNull();
    const later = statJson("cam1", undefined, status({ sourceState: "warming up" }), NOW);
    expect(later.sourceState).toBe("warming up");
  });

  it("treats a heartbeat from a clock running ahead as fresh, age 0", () => {
    expect(channelState(enabled, status({ updatedAt: iso(NOW + 5_000) }), NOW)).toMatchObject({
      state: "Live",
      heartbeatAge: 0,
    });
  });

  it("treats an unparsable updatedAt as no heartbeat age: Idle", () => {
    expect(channelState(enabled, status({ updatedAt: "yesterday" }), NOW)).toMatchObject({
      state: "Idle",
      heartbeatAge: null,
    });
  });
});

describe("statJson", () => {
  it("carries media, last segment, backlog and a redacted source", () => {
    const s = statJson("cam1", undefined, status(), NOW);
    expect(s).toMatchObject({
      channel: "cam1",
      state: "Live",
      source: "rtsp://***@10.0.0.5/stream",
      video: { codec: "h264", width: 1280, height: 720, fps: 30, bitrate: 2_000_000 },
      audio: { codec: "aac", sampleRate: 48_000 },
      lastSegmentTime: iso(NOW - 2_000),
      lastSegment: { start: iso(NOW - 2_000), end: iso(NOW), duration: 2 },
      uploadBacklog: { segments: 2, bytes: 1234 },
      heartbeatAge: 1,
      recorderState: "recording",
    });
    expect(JSON.stringify(s)).not.toContain("pw");
  });

  it("redacts credentials quoted in the last error, and survives junk numbers", () => {
    const s = statJson(
      "cam1",
      undefined,
      status({
        lastError: {
          at: iso(NOW),
          message: "cannot open rtsp://u:secret@cam/x: 401",
          source: "capture",
        },
        lastSegment: { key: "k", startMs: 1e20, durationMs: 1 },
      }),
      NOW,
    );
    expect((s.lastError as { message: string }).message).toBe("cannot open rtsp://***@cam/x: 401");
    expect(s.lastSegmentTime).toBeNull();
  });

  it("answers Idle with nulls for a channel nothing is known of", () => {
    expect(statJson("cam9", undefined, undefined, NOW)).toMatchObject({
      state: "Idle",
      source: null,
      video: null,
      audio: null,
      uploadBacklog: null,
      lastError: null,
    });
  });

  it("redactText leaves text without URLs alone", () => {
    expect(redactText("disk full")).toBe("disk full");
  });
});

describe("channelState between a recording recorder's keep-alives", () => {
  // The recorder writes a recording heartbeat on change plus every 600 s.
  const keptAlive = (ageMs: number) =>
    status({ intervalSeconds: 600, updatedAt: iso(NOW - ageMs) });
  const proof = (newestSegmentEndMs: number | undefined) => ({
    targetDurationSeconds: 30,
    newestSegmentEndMs,
  });

  it("needs no segment while the heartbeat is younger than three segment durations", () => {
    expect(needsSegmentProof(keptAlive(89_999), NOW, 30)).toBe(false);
    expect(channelState(enabled, keptAlive(89_999), NOW, proof(undefined)).state).toBe("Live");
    expect(recordingProofAfterMs(2)).toBe(15_000);
  });

  it("is Live past that when a segment ended within three segment durations (a fresh segment is proof of life)", () => {
    expect(needsSegmentProof(keptAlive(300_000), NOW, 30)).toBe(true);
    const live = channelState(enabled, keptAlive(300_000), NOW, proof(NOW - 40_000));
    expect(live).toMatchObject({ state: "Live", since: iso(NOW - 600_000), fresh: true });
  });

  it("is Idle when the heartbeat says recording but no segment came for three segment durations", () => {
    const idle = channelState(enabled, keptAlive(300_000), NOW, proof(NOW - 90_001));
    expect(idle).toMatchObject({ state: "Idle", since: iso(NOW - 90_001) });
    expect(idle.reason).toMatch(/no segment ended in the last 90 s/);
    expect(channelState(enabled, keptAlive(300_000), NOW, proof(undefined)).state).toBe("Idle");
  });

  it("asks no proof of heartbeats that are stale anyway, not recording, or from recorders that write often", () => {
    expect(needsSegmentProof(keptAlive(1_800_000), NOW, 30)).toBe(false);
    expect(
      needsSegmentProof(
        status({ state: "reconnecting", intervalSeconds: 60, updatedAt: iso(NOW - 100_000) }),
        NOW,
        30,
      ),
    ).toBe(false);
    expect(
      needsSegmentProof(status({ intervalSeconds: 5, updatedAt: iso(NOW - 100_000) }), NOW, 30),
    ).toBe(false);
    expect(needsSegmentProof(undefined, NOW, 30)).toBe(false);
  });
});
