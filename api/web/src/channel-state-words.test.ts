import { describe, expect, it } from "vitest";
import { type ChannelStat, stateDetail, stateWord } from "./channel-state-words";

const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);
const base: ChannelStat = { channel: "cam1", state: "Idle" };

describe("channel state words", () => {
  it("says Live, Disabled, Idle, and Error for a recorder that cannot record", () => {
    expect(stateWord({ ...base, state: "Live" })).toBe("Live");
    expect(stateWord({ ...base, state: "Disabled" })).toBe("Disabled");
    expect(stateWord(base)).toBe("Idle");
    expect(
      stateWord({ ...base, recorderState: "reconnecting", sourceState: "waiting for device" }),
    ).toBe("Error");
  });

  it("gives the reason, the last error, the clock and the backlog in sentences", () => {
    const text = stateDetail(
      {
        ...base,
        recorderState: "reconnecting",
        reason: "the recorder is reconnecting: waiting for device",
        lastError: {
          at: new Date(NOW - 120_000).toISOString(),
          message: "device /dev/video9 does not exist",
        },
        clock: { synchronised: false, held: 3 },
        uploadBacklog: { segments: 4, bytes: 5_000_000 },
        lastSegment: { start: "", end: new Date(NOW - 3_600_000).toISOString() },
      },
      NOW,
    );
    expect(text).toBe(
      "The recorder is reconnecting: waiting for device. Last error (2 min ago): Device /dev/video9 does not exist. The recorder's clock is not synchronised yet: 3 segment(s) wait for it. 4 segment(s) (5.0 MB) wait to be uploaded. Last recording ended 60 min ago.",
    );
  });

  it("explains a channel with no recorder and a disabled one", () => {
    expect(stateDetail(base, NOW)).toBe("No recorder has reported for this channel.");
    expect(stateDetail({ ...base, state: "Disabled" }, NOW)).toMatch(/switched off/);
  });
});
