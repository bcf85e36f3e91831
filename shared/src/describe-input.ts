/**
 * A short, safe description of a value a client sent, for error messages:
 * a string quoted and cut to `max` characters, a number, boolean or null as
 * written, and an array or object only by its kind. It never walks into the
 * value: `String()` or `JSON.stringify` of an attacker's 5,000-level nested
 * array overflows the stack, and `String({"toString":1})` throws, so either
 * would turn a bad request into a 500.
 */
export function describeInput(value: unknown, max = 40): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.slice(0, max));
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
