import { describe, expect, it } from "vitest";
import { isChannelName, validateChannelName } from "./channel-name";
import { ValidationError } from "./errors";
import { channelPrefix } from "./segment-key";

describe("channel names", () => {
  it.each(["cam1", "0", "front-door", "barn_2", `a${"b".repeat(63)}`])("accepts %s", (name) => {
    expect(validateChannelName(name)).toBe(name);
  });

  it.each([
    ["dot-dot", ".."],
    ["a slash", "cam1/../cam2"],
    ["a leading slash", "/cam1"],
    ["an encoded slash", "cam1%2fcam2"],
    ["an encoded dot-dot", "%2e%2e"],
    ["NUL", "cam\u0000"],
    ["a Cyrillic look-alike", "cаm1"],
    ["a fullwidth look-alike", "ｃam1"],
    ["uppercase", "Cam1"],
    ["whitespace", "cam 1"],
    ["a trailing newline", "cam1\n"],
    ["the empty string", ""],
    ["a leading dash", "-cam"],
    ["a leading underscore", "_meta"],
    ["65 characters", "c".repeat(65)],
  ])("rejects %s", (_what, name) => {
    expect(isChannelName(name)).toBe(false);
    expect(() => validateChannelName(name)).toThrow(ValidationError);
    expect(() => channelPrefix("movie", name)).toThrow(/not a valid channel name/);
  });

  it("names the field and what is allowed", () => {
    try {
      validateChannelName("../etc", "ch");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe("ch");
      expect((err as ValidationError).code).toBe("INVALID_CHANNEL");
      expect((err as Error).message).toMatch(/ch "\.\.\/etc".*a-z, 0-9/);
    }
  });
});
