import { ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { compactUtc, parseRangeQuery } from "./time-range";

const q = (params: Record<string, string>) => (n: string) => params[n];
const field = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return `${err.field} ${err.code}`;
    throw err;
  }
  return "ok";
};

describe("parseRangeQuery", () => {
  it("reads start and end in any accepted time form", () => {
    expect(
      parseRangeQuery(q({ start: "2026-11-22T19:30:00+09:00", end: "1795343460" }), 24),
    ).toEqual({
      startMs: Date.UTC(2026, 10, 22, 10, 30),
      endMs: 1795343460_000,
    });
  });

  it("reads start and duration in seconds", () => {
    expect(parseRangeQuery(q({ start: "2026-11-22T10:30:00Z", duration: "90.5" }), 24)).toEqual({
      startMs: Date.UTC(2026, 10, 22, 10, 30),
      endMs: Date.UTC(2026, 10, 22, 10, 31, 30, 500),
    });
  });

  it("names the parameter of every bad input", () => {
    expect(field(() => parseRangeQuery(q({}), 24))).toBe("start INVALID_ARGUMENT");
    expect(field(() => parseRangeQuery(q({ start: "yesterday", end: "1795343460" }), 24))).toBe(
      "start INVALID_ARGUMENT",
    );
    expect(field(() => parseRangeQuery(q({ start: "1795343400" }), 24))).toBe(
      "end INVALID_ARGUMENT",
    );
    expect(
      field(() => parseRangeQuery(q({ start: "1795343400", end: "2026-11-22T10:30:00" }), 24)),
    ).toBe("end INVALID_ARGUMENT");
    expect(field(() => parseRangeQuery(q({ start: "1795343400", end: "1795343400" }), 24))).toBe(
      "end INVALID_ARGUMENT",
    );
    expect(
      field(() =>
        parseRangeQuery(q({ start: "1795343400", end: "1795343460", duration: "60" }), 24),
      ),
    ).toBe("duration INVALID_ARGUMENT");
    expect(field(() => parseRangeQuery(q({ start: "1795343400", duration: "-5" }), 24))).toBe(
      "duration INVALID_ARGUMENT",
    );
    expect(field(() => parseRangeQuery(q({ start: "1795343400", duration: "0" }), 24))).toBe(
      "duration INVALID_ARGUMENT",
    );
  });

  it("refuses ranges longer than MAX_RANGE_HOURS, and accepts exactly that long", () => {
    const start = "2026-11-01T00:00:00Z";
    expect(field(() => parseRangeQuery(q({ start, end: "2026-11-02T00:00:00.001Z" }), 24))).toBe(
      "end RANGE_TOO_LONG",
    );
    expect(field(() => parseRangeQuery(q({ start, duration: String(24 * 3600 + 1) }), 24))).toBe(
      "duration RANGE_TOO_LONG",
    );
    expect(field(() => parseRangeQuery(q({ start, end: "2026-11-02T00:00:00Z" }), 24))).toBe("ok");
    expect(field(() => parseRangeQuery(q({ start, end: "2026-12-02T00:00:00Z" }), 31 * 24))).toBe(
      "ok",
    );
  });
});

describe("compactUtc", () => {
  it("formats file-name times, with milliseconds only when present", () => {
    expect(compactUtc(Date.UTC(2026, 10, 22, 10, 30))).toBe("20261122T103000Z");
    expect(compactUtc(Date.UTC(2026, 10, 22, 10, 30, 0, 250))).toBe("20261122T103000.250Z");
  });
});
