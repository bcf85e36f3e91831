import { ValidationError } from "./errors";

/**
 * Time inputs accepted everywhere (query parameters, CLI flags, config):
 * - ISO 8601 with an explicit offset or `Z`: `2026-11-22T19:30:00+09:00`,
 *   `2026-11-22T10:30:00.250Z` (seconds and fractions optional).
 * - Epoch seconds (`1763807400`, fractions allowed) or epoch milliseconds
 *   (`1763807400000`), told apart by magnitude: 12 or more integer digits are
 *   milliseconds (epoch seconds only reach 12 digits in the year 5138).
 *
 * A date-time without an offset is refused instead of guessed in the
 * server's local zone: a recorder in Tokyo and an API on Lambda in UTC would
 * otherwise silently disagree by nine hours.
 */
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
/**
 * A `+` in a URL query is a space once decoded, so `…T19:30:00+09:00` typed
 * into an address bar arrives as `…T19:30:00 09:00`. A space is never
 * otherwise found before a trailing offset, so it is read as the `+` it was.
 */
const PLUS_DECODED_AS_SPACE =
  /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) (\d{2}(?::?\d{2})?)$/;
const EPOCH = /^\d+(?:\.\d+)?$/;
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?$/;

/** Earliest and latest instants accepted (years 2000 to 9999): anything else is a typo. */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Parses a time input (see above) into epoch milliseconds, or throws a ValidationError naming `field`. */
export function parseTime(input: string, field = "time"): number {
  const text = input.trim().replace(PLUS_DECODED_AS_SPACE, "$1+$2");
  if (text === "") {
    throw new ValidationError(
      field,
      `${field} is empty: give an ISO 8601 time with an offset (2026-11-22T19:30:00+09:00) or epoch seconds`,
    );
  }
  let ms: number;
  if (EPOCH.test(text)) {
    const integerDigits = text.split(".")[0]!.length;
    ms = integerDigits >= 12 ? Math.floor(Number(text)) : Math.round(Number(text) * 1000);
  } else {
    const m = ISO_WITH_OFFSET.exec(text);
    if (!m) {
      const hint = ISO_WITHOUT_OFFSET.test(text)
        ? "it has no time zone: add an offset such as +09:00 or Z"
        : `expected ISO 8601 with an offset (2026-11-22T19:30:00+09:00 or …Z), or epoch seconds/milliseconds${text.includes(" ") ? ' (in a URL, write "+" as %2B: a plain "+" arrives as a space)' : ""}`;
      throw new ValidationError(field, `${field} "${clip(text)}" is not a time: ${hint}`);
    }
    const [, y, mo, d, h, mi, s = "0", frac = "", zone] = m as unknown as string[];
    const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
    const [year, month, day, hour, minute, second] = fields;
    if (
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > daysInMonth(year, month) ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      throw new ValidationError(
        field,
        `${field} "${clip(text)}" is not a real calendar time (check month, day, hour, minute and second)`,
      );
    }
    const millis = Math.floor(Number(`0.${frac || "0"}`) * 1000 + 1e-6);
    ms =
      Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes(zone!) * 60_000;
  }
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
    throw new ValidationError(
      field,
      `${field} "${clip(text)}" is outside the years 2000 to 9999: check the units (epoch seconds or milliseconds)`,
    );
  }
  return ms;
}

/** Parses a duration in seconds (`30`, `1.5`) into milliseconds; must be positive and at most `maxSeconds`. */
export function parseDurationSeconds(
  input: string,
  field = "duration",
  maxSeconds = 366 * 86_400,
): number {
  const text = input.trim();
  if (!/^\d+(?:\.\d+)?$/.test(text)) {
    throw new ValidationError(
      field,
      `${field} "${clip(text)}" is not a duration: give a number of seconds, e.g. 3600`,
    );
  }
  const seconds = Number(text);
  if (!(seconds > 0) || seconds > maxSeconds) {
    throw new ValidationError(
      field,
      `${field} must be more than 0 and at most ${maxSeconds} seconds, got ${text}`,
    );
  }
  return Math.round(seconds * 1000);
}

/** Formats epoch milliseconds as ISO 8601 UTC with milliseconds (`2026-11-22T10:30:00.000Z`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

function offsetMinutes(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
