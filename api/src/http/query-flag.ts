import { ValidationError } from "@kiroku/shared";

/**
 * A true/false query parameter: absent, `false` or `0` is false; `true`, `1`
 * or empty (`?purge`) is true; anything else is a 400 naming `field`.
 */
export function parseFlag(text: string | undefined, field: string): boolean {
  if (text === undefined || text === "false" || text === "0") return false;
  if (text === "true" || text === "1" || text === "") return true;
  throw new ValidationError(
    field,
    `${field} must be true or false, got ${JSON.stringify(text.slice(0, 40))}`,
  );
}
