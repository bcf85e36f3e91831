import type { z } from "@hono/zod-openapi";
import { ValidationError } from "@kiroku/shared";

/**
 * Zod schemas declare what a route accepts (and so the OpenAPI document);
 * this file turns what they refuse into the API's one error shape, a 400
 * naming the field and saying how to fix it. Every schema gives its own
 * message (zod's generic "Invalid input" never reaches a client), and a
 * check that reuses a parser of `@kiroku/shared` (times, channel names)
 * carries that parser's exact field, code and message through `asIssue`.
 */

/** What a custom issue carries besides its message: the field to name and the error code. */
interface IssueParams {
  field?: string;
  code?: string;
}

/**
 * Runs `check` inside a zod refinement; a ValidationError it throws becomes
 * an issue with the same message, field and code. Anything else propagates
 * (a bug, not bad input). True when the check passed.
 */
export function asIssue(ctx: z.RefinementCtx, check: () => void): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const params: IssueParams = { field: err.field, code: err.code };
    ctx.addIssue({ code: "custom", message: err.message, params });
    return false;
  }
}

/**
 * The first problem zod found, as a ValidationError. An unknown field is
 * reported before anything else (a typo explains the other problems); then
 * issues come in the order the schema declares its fields.
 */
export function toValidationError(error: z.ZodError): ValidationError {
  const issues = [...error.issues].sort(
    (a, b) => rank(a) - rank(b), // stable: equal ranks keep zod's order
  );
  const issue = issues[0]!;
  const params = ("params" in issue ? issue.params : undefined) as IssueParams | undefined;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const field = params?.field ?? keys[0] ?? (issue.path.length > 0 ? issue.path.join(".") : "body");
  return new ValidationError(field, issue.message, params?.code);
}

function rank(issue: z.core.$ZodIssue): number {
  return issue.code === "unrecognized_keys" ? 0 : 1;
}

/** Parses `value` with `schema`, or throws the ValidationError for its first problem. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}
