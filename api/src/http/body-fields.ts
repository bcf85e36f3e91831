import { parseTime, ValidationError } from "@kiroku/shared";
import { checkRange, type TimeRange } from "./time-range";

/**
 * A time in a JSON body: the same forms as in a query (ISO 8601 with an
 * offset, epoch seconds or milliseconds), as a string or a number.
 */
export function bodyTime(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    return parseTime(String(value), field);
  }
  if (typeof value === "string") return parseTime(value, field);
  throw new ValidationError(
    field,
    `${field} must be a time: ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds`,
  );
}

/** `start` and `end` of a body: both required, end after start, at most `maxRangeHours` apart. */
export function bodyRange(body: Record<string, unknown>, maxRangeHours: number): TimeRange {
  if (body.start === undefined) {
    throw new ValidationError(
      "start",
      "start is required: the range start (ISO 8601 or epoch seconds)",
    );
  }
  if (body.end === undefined) {
    throw new ValidationError("end", "end is required: the range end (ISO 8601 or epoch seconds)");
  }
  const startMs = bodyTime(body.start, "start");
  const endMs = bodyTime(body.end, "end");
  return checkRange(startMs, endMs, maxRangeHours);
}

/** A whole number within bounds, or a 400 naming the field and the bounds. */
export function bodyInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      field,
      `${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  return value;
}
