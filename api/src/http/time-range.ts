import { z } from "@hono/zod-openapi";
import { parseDurationSeconds, parseTime, ValidationError } from "@kiroku/shared";
import { asIssue, parseWith } from "./validation";

/** A requested time range, [startMs, endMs). */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

const TIME_FORMS =
  "ISO 8601 with an offset (`2026-11-22T19:30:00+09:00`), or epoch seconds (12 or more digits: milliseconds)";

/** A time in a query, checked by `parseTime` (its message names `field`). */
function queryTime(field: "start" | "end", description: string, required?: string) {
  return z
    .string({ error: required })
    .superRefine((text, ctx) => {
      asIssue(ctx, () => parseTime(text, field));
    })
    .openapi({
      description,
      example: field === "start" ? "2026-11-22T19:30:00+09:00" : "1795343460",
    });
}

/** The fields of a range query: `start` and `end`, or `start` and `duration` (seconds). */
export function rangeFields() {
  return {
    start: queryTime(
      "start",
      `Range start: ${TIME_FORMS}.`,
      "start is required: give the range start as ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds",
    ),
    end: queryTime("end", "Range end (required unless `duration` is given).").optional(),
    duration: z.string().optional().openapi({
      description: "Seconds from `start`, instead of `end` (more than 0).",
      example: "3600",
    }),
  };
}

/**
 * The range of a query whose `rangeFields` each passed (a schema's
 * transform calls this): both `end` and `duration`, an end not after the
 * start or a range longer than `maxHours` become an issue, and the answer
 * undefined.
 */
export function resolveRange(
  query: { start: string; end?: string | undefined; duration?: string | undefined },
  maxHours: number,
  ctx: z.RefinementCtx,
  limitName = "MAX_RANGE_HOURS",
): TimeRange | undefined {
  let range: TimeRange | undefined;
  asIssue(ctx, () => {
    range = rangeOfQuery(query.start, query.end, query.duration, maxHours, limitName);
  });
  return range;
}

/** The query of a range request, checked, as `{range}`. */
export function rangeQuery(maxHours: number) {
  return z.object(rangeFields()).transform((query, ctx) => {
    const range = resolveRange(query, maxHours, ctx);
    return range ? { range } : z.NEVER;
  });
}

/**
 * Reads `start` and `end` (or `start` and `duration`) from a query with
 * `rangeQuery`'s schema; every problem is a 400 naming the parameter.
 */
export function parseRangeQuery(
  query: (name: string) => string | undefined,
  maxRangeHours: number,
): TimeRange {
  const value = { start: query("start"), end: query("end"), duration: query("duration") };
  return parseWith(rangeQuery(maxRangeHours), value).range;
}

/** The range rules of a query whose fields are each well formed. */
function rangeOfQuery(
  startText: string,
  endText: string | undefined,
  durationText: string | undefined,
  maxRangeHours: number,
  limitName: string,
): TimeRange {
  const startMs = parseTime(startText, "start");
  if (endText !== undefined && durationText !== undefined) {
    throw new ValidationError(
      "duration",
      "give either end or duration, not both (duration is in seconds from start)",
    );
  }
  if (endText !== undefined) {
    const endMs = parseTime(endText, "end");
    return checkRange(startMs, endMs, maxRangeHours, { start: startText, end: endText }, limitName);
  }
  if (durationText !== undefined) {
    const text = durationText.trim();
    if (/^\d+(?:\.\d+)?$/.test(text) && Number(text) > maxRangeHours * 3600) {
      throw new ValidationError(
        "duration",
        `duration ${text} s is longer than ${limitName} (${maxRangeHours} h = ${maxRangeHours * 3600} s)`,
        "RANGE_TOO_LONG",
      );
    }
    return {
      startMs,
      endMs: startMs + parseDurationSeconds(text, "duration", maxRangeHours * 3600),
    };
  }
  throw new ValidationError(
    "end",
    "end (or duration in seconds) is required: give the range end as ISO 8601 with an offset or epoch seconds",
  );
}

/**
 * A time in a JSON body: the same forms as in a query, as a string or a
 * number. Optional here: whether it is required depends on the body (see
 * `bodyRange`).
 */
export function bodyTime(field: "start" | "end") {
  return z
    .union([z.string(), z.number()], { error: mustBeTime(field) })
    .superRefine((value, ctx) => {
      asIssue(ctx, () => bodyTimeMs(value, field));
    })
    .optional()
    .openapi({ description: `Range ${field}: ${TIME_FORMS}.`, example: 1795343400 });
}

function bodyTimeMs(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    return parseTime(String(value), field);
  }
  if (typeof value === "string") return parseTime(value, field);
  throw new ValidationError(field, mustBeTime(field));
}

function mustBeTime(field: string): string {
  return `${field} must be a time: ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds`;
}

/** `start` and `end` of a body: both required, end after start, at most `maxRangeHours` apart. */
export function bodyRange(
  body: { start?: string | number | undefined; end?: string | number | undefined },
  maxRangeHours: number,
): TimeRange {
  if (body.start === undefined) {
    throw new ValidationError(
      "start",
      "start is required: the range start (ISO 8601 or epoch seconds)",
    );
  }
  if (body.end === undefined) {
    throw new ValidationError("end", "end is required: the range end (ISO 8601 or epoch seconds)");
  }
  const startMs = bodyTimeMs(body.start, "start");
  const endMs = bodyTimeMs(body.end, "end");
  return checkRange(startMs, endMs, maxRangeHours);
}

/**
 * Refuses, as a 400 on `end`, a range whose end is not after its start and
 * one longer than `maxRangeHours` (RANGE_TOO_LONG, naming the limit as
 * `limitName`: MAX_RANGE_HOURS, or the summary limit when that applies). `written` is the start
 * and end as a query wrote them, quoted back in the message; a JSON body's
 * range is refused in its own words, without them.
 */
export function checkRange(
  startMs: number,
  endMs: number,
  maxRangeHours: number,
  written?: { start: string; end: string },
  limitName = "MAX_RANGE_HOURS",
): TimeRange {
  if (endMs <= startMs) {
    throw new ValidationError(
      "end",
      written
        ? `end (${written.end}) must be after start (${written.start})`
        : "end must be after start",
    );
  }
  if (endMs - startMs > maxRangeHours * 3_600_000) {
    const ask = written
      ? `request at most ${maxRangeHours} hours at a time`
      : `give at most ${maxRangeHours} hours`;
    throw new ValidationError(
      "end",
      `the range is longer than ${limitName} (${maxRangeHours} h): ${ask}`,
      "RANGE_TOO_LONG",
    );
  }
  return { startMs, endMs };
}

/** `20261122T103000Z`: compact UTC for file names (seconds; milliseconds only when present). */
export function compactUtc(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T10:30:00.000Z
  const base = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const millis = iso.slice(20, 23);
  return millis === "000" ? `${base}Z` : `${base}.${millis}Z`;
}
