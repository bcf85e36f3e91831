import { parseChannelStatus } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import type { MetaWriter } from "./meta-writer";
import { StatusReporter } from "./status-reporter";

function reporter() {
  const now = Date.parse("2026-12-01T10:00:00.000Z");
  return new StatusReporter({
    writer: { put() {} } as unknown as MetaWriter,
    movieKey: "movie",
    intervalMs: 5_000,
    hostname: "pi",
    recorderVersion: "test",
    clock: () => now,
    queue: () => ({ segments: 0, bytes: 0 }),
    diskFreeBytes: () => null,
    uploadHealth: () => ({ health: "ok", sinceMs: now }),
  });
}

describe("StatusReporter and the capture side's detail", () => {
  it("says why a channel is not recording: sourceState and lastError, in a heartbeat any reader parses", () => {
    const r = reporter();
    r.addChannel("usb", "/dev/video9");
    r.setCaptureState(
      "usb",
      "reconnecting",
      undefined,
      "device /dev/video9 does not exist: plug the camera in",
      "waiting for device",
    );
    const s = r.snapshot("usb");
    expect(s).toMatchObject({
      state: "reconnecting",
      sourceState: "waiting for device",
      lastError: {
        source: "capture",
        message: "device /dev/video9 does not exist: plug the camera in",
      },
    });
    // The field is additive: the heartbeat schema (older readers too) accepts it.
    expect(parseChannelStatus(JSON.parse(JSON.stringify(s)))).toBeDefined();
  });

  it("keeps the detail between events without one, drops it while disabled, and says stopped at the end", () => {
    const r = reporter();
    r.addChannel("cam", "test");
    r.setCaptureState("cam", "recording", undefined, undefined, "recording");
    r.setCaptureState("cam", "recording");
    expect(r.snapshot("cam").sourceState).toBe("recording");
    r.setCaptureState("cam", "disabled");
    expect(r.snapshot("cam")).not.toHaveProperty("sourceState");
    r.setCaptureState("cam", "reconnecting", undefined, undefined, "connecting");
    r.stop();
    expect(r.snapshot("cam")).toMatchObject({ state: "stopped", sourceState: "stopped" });
  });
});
