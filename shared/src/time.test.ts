import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors";
import { formatTime, parseDurationSeconds, parseTime } from "./time";

describe("parseTime", () => {
  it.each([
    ["an offset east of UTC", "2026-11-22T19:30:00+09:00", "2026-11-22T10:30:00.000Z"],
    ["Z", "2026-11-22T10:30:00Z", "2026-11-22T10:30:00.000Z"],
    ["lowercase z and fractions", "2026-11-22T10:30:00.25z", "2026-11-22T10:30:00.250Z"],
    [
      "nanosecond fractions (truncated to ms)",
      "2026-11-22T10:30:00.123456789Z",
      "2026-11-22T10:30:00.123Z",
    ],
    ["no seconds", "2026-11-22T10:30+01:00", "2026-11-22T09:30:00.000Z"],
    ["an offset without a colon", "2026-11-22T10:30:00-0530", "2026-11-22T16:00:00.000Z"],
    ["an hour-only offset", "2026-11-22T10:30:00+02", "2026-11-22T08:30:00.000Z"],
    ["a space separator", "2026-11-22 10:30:00Z", "2026-11-22T10:30:00.000Z"],
    ["epoch seconds", "1795343400", "2026-11-22T10:30:00.000Z"],
    ["fractional epoch seconds", "1795343400.5", "2026-11-22T10:30:00.500Z"],
    ["epoch milliseconds", "1795343400123", "2026-11-22T10:30:00.123Z"],
    ["a leap day", "2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"],
  ])("reads %s", (_what, input, iso) => {
    expect(formatTime(parseTime(input))).toBe(iso);
  });

  // Europe/Berlin leaves summer time on 2026-10-25 at 03:00 CEST (01:00 UTC);
  // the local wall clock shows 02:30 twice, told apart only by the offset.
  it("tells the two 02:30s of a DST fall-back apart by their offsets", () => {
    const summer = parseTime("2026-10-25T02:30:00+02:00");
    const winter = parseTime("2026-10-25T02:30:00+01:00");
    expect(formatTime(summer)).toBe("2026-10-25T00:30:00.000Z");
    expect(formatTime(winter)).toBe("2026-10-25T01:30:00.000Z");
    expect(winter - summer).toBe(3_600_000);
  });

  // US spring-forward (2026-03-08): 01:59:59-05:00 is followed by 03:00:00-04:00.
  it("counts one second across a DST spring-forward", () => {
    expect(parseTime("2026-03-08T03:00:00-04:00") - parseTime("2026-03-08T01:59:59-05:00")).toBe(
      1000,
    );
  });

  it("reads a space before a trailing offset as the + a URL query decoded into a space", () => {
    expect(parseTime("2026-12-02T09:51:10 09:00")).toBe(parseTime("2026-12-02T09:51:10+09:00"));
    expect(parseTime("2026-12-02T09:51:10.250 0900")).toBe(
      parseTime("2026-12-02T09:51:10.250+09:00"),
    );
    expect(parseTime("2026-12-02 09:51 05:30")).toBe(parseTime("2026-12-02T09:51+05:30"));
    // What a query decoded from a real request gives: "+" became " ".
    const query = new URLSearchParams("start=2026-12-02T09:51:10+09:00");
    expect(parseTime(query.get("start")!)).toBe(Date.UTC(2026, 11, 2, 0, 51, 10));
  });

  it("says to write + as %2B when a space is found where it cannot be read as one", () => {
    expect(() => parseTime("2026-12-02T09:51:10 9", "start")).toThrow(/write "\+" as %2B/);
  });

  it.each([
    ["a time without an offset", "2026-11-22T10:30:00", /no time zone/],
    ["a date alone", "2026-11-22", /no time zone/],
    ["words", "yesterday", /not a time/],
    ["the empty string", "  ", /empty/],
    ["an impossible date", "2026-02-30T10:00:00Z", /not a real calendar time/],
    ["an impossible hour", "2026-11-22T24:00:00Z", /not a real calendar time/],
    ["an impossible offset", "2026-11-22T10:00:00+25:00", /outside|not a time/],
    ["a negative epoch", "-5", /not a time/],
    ["an epoch in 1970", "5", /outside the years 2000 to 9999/],
    ["epoch microseconds", "1795343400123456", /outside the years 2000 to 9999/],
    ["a JavaScript date string", "Sun Nov 22 2026", /not a time/],
  ])("rejects %s with a message that says what to send", (_what, input, message) => {
    try {
      parseTime(input, "start");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe("start");
      expect((err as Error).message).toMatch(/^start /);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/Invalid Date|NaN/);
    }
  });
});

describe("parseDurationSeconds", () => {
  it("reads whole and fractional seconds as milliseconds", () => {
    expect(parseDurationSeconds("3600")).toBe(3_600_000);
    expect(parseDurationSeconds("1.5")).toBe(1500);
  });

  it.each(["0", "-1", "1h", "", "1e3", "99999999999"])("rejects %j naming the field", (input) => {
    expect(() => parseDurationSeconds(input, "duration")).toThrow(/^duration /);
  });
});
