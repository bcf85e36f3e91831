import { parseDurationSeconds, parseTime, ValidationError } from "@kiroku/shared";

/** A requested time range, [startMs, endMs). */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/**
 * Reads `start` and `end` (or `start` and `duration`, in seconds) from a
 * query. Every problem is a 400 naming the parameter: missing, unparsable,
 * both `end` and `duration`, an end not after the start, a range longer than
 * `maxRangeHours`.
 */
export function parseRangeQuery(
  query: (name: string) => string | undefined,
  maxRangeHours: number,
): TimeRange {
  const startText = query("start");
  if (startText === undefined) {
    throw new ValidationError(
      "start",
      "start is required: give the range start as ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds",
    );
  }
  const startMs = parseTime(startText, "start");
  const endText = query("end");
  const durationText = query("duration");
  if (endText !== undefined && durationText !== undefined) {
    throw new ValidationError(
      "duration",
      "give either end or duration, not both (duration is in seconds from start)",
    );
  }
  let endMs: number;
  if (endText !== undefined) {
    endMs = parseTime(endText, "end");
    checkRange(startMs, endMs, maxRangeHours, { start: startText, end: endText });
  } else if (durationText !== undefined) {
    const text = durationText.trim();
    if (/^\d+(?:\.\d+)?$/.test(text) && Number(text) > maxRangeHours * 3600) {
      throw new ValidationError(
        "duration",
        `duration ${text} s is longer than MAX_RANGE_HOURS (${maxRangeHours} h = ${maxRangeHours * 3600} s)`,
        "RANGE_TOO_LONG",
      );
    }
    endMs = startMs + parseDurationSeconds(text, "duration", maxRangeHours * 3600);
  } else {
    throw new ValidationError(
      "end",
      "end (or duration in seconds) is required: give the range end as ISO 8601 with an offset or epoch seconds",
    );
  }
  return { startMs, endMs };
}

/**
 * Refuses, as a 400 on `end`, a range whose end is not after its start and
 * one longer than `maxRangeHours` (RANGE_TOO_LONG). `written` is the start
 * and end as a query wrote them, quoted back in the message; a JSON body's
 * range is refused in its own words, without them.
 */
export function checkRange(
  startMs: number,
  endMs: number,
  maxRangeHours: number,
  written?: { start: string; end: string },
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
      `the range is longer than MAX_RANGE_HOURS (${maxRangeHours} h): ${ask}`,
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
