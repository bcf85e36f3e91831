import { describe, expect, it } from "vitest";
import { describeInput } from "./describe-input";

describe("describeInput", () => {
  it("quotes strings cut to the limit and writes scalars as they are", () => {
    expect(describeInput("abc")).toBe('"abc"');
    expect(describeInput("x".repeat(100), 5)).toBe('"xxxxx"');
    expect(describeInput(3.5)).toBe("3.5");
    expect(describeInput(false)).toBe("false");
    expect(describeInput(null)).toBe("null");
    expect(describeInput(undefined)).toBe("nothing");
  });

  it("names arrays and objects by kind without walking into them", () => {
    const deep = JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`);
    expect(describeInput(deep)).toBe("an array");
    expect(describeInput({ toString: 1 })).toBe("an object");
    expect(describeInput(Object.create(null))).toBe("an object");
  });
});
