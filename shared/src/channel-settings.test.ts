import { describe, expect, it } from "vitest";
import { parseChannelSettingsInput } from "./channel-settings";
import { ValidationError } from "./errors";

describe("parseChannelSettingsInput", () => {
  it("fills defaults: enabled, no description, the API's live window", () => {
    expect(parseChannelSettingsInput({})).toEqual({ description: "", status: "enabled" });
  });

  it("keeps every valid field", () => {
    expect(
      parseChannelSettingsInput({
        description: "玄関 front door",
        status: "disabled",
        liveWindow: 100,
      }),
    ).toEqual({
      description: "玄関 front door",
      status: "disabled",
      liveWindow: 100,
    });
  });

  it("counts the description in bytes, not characters", () => {
    expect(() => parseChannelSettingsInput({ description: "記".repeat(43) })).toThrow(
      /at most 128 bytes/,
    );
    expect(parseChannelSettingsInput({ description: "記".repeat(42) }).description).toHaveLength(
      42,
    );
  });

  it.each([
    ["status", { status: "paused" }, /status must be "enabled" or "disabled"/],
    ["liveWindow", { liveWindow: 0 }, /liveWindow must be a whole number from 1 to 100/],
    ["liveWindow", { liveWindow: 101 }, /liveWindow must be a whole number from 1 to 100/],
    ["liveWindow", { liveWindow: 2.5 }, /liveWindow must be a whole number/],
    ["liveWindow", { liveWindow: "3" }, /liveWindow must be a whole number/],
    ["description", { description: "x".repeat(129) }, /description must be at most 128 bytes/],
    ["description", { description: 5 }, /description must be a string/],
    ["livewindow", { livewindow: 3 }, /unknown field "livewindow"/],
    ["body", [], /must be a JSON object/],
    ["body", null, /must be a JSON object/],
    ["body", "enabled", /must be a JSON object/],
  ])("names %s when it is wrong", (field, body, message) => {
    try {
      parseChannelSettingsInput(body);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
      expect((err as Error).message).toMatch(message);
    }
  });
});
