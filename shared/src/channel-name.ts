import { quote } from "./env-vars";
import { ValidationError } from "./errors";

/**
 * Channel names become one path segment of every S3 key, so they are held to
 * a strict ASCII pattern: lowercase letters, digits, `_` and `-`, starting
 * with a letter or digit, 1 to 64 characters. That rules out `..`, `/`,
 * percent-encodings, NUL, whitespace and unicode look-alikes in one place:
 * nothing a client sends can name a key outside its channel's prefix.
 */
export const CHANNEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** True when `name` is a valid channel name. */
export function isChannelName(name: string): boolean {
  return CHANNEL_NAME_PATTERN.test(name);
}

/** Returns `name` when valid, else throws a ValidationError that says what is allowed. */
export function validateChannelName(name: string, field = "channel"): string {
  if (!isChannelName(name)) {
    throw new ValidationError(
      field,
      `${field} ${quote(name)} is not a valid channel name: use 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit`,
      "INVALID_CHANNEL",
    );
  }
  return name;
}
