import { z } from "@hono/zod-openapi";
import { describeInput } from "@kiroku/shared";

/**
 * A true/false query parameter: absent, `false` or `0` is false; `true`, `1`
 * or empty (`?purge`) is true; anything else is a 400 naming `field`.
 */
export function queryFlag(field: string, description: string) {
  return z
    .enum(["true", "false", "1", "0", ""], {
      error: (issue) => `${field} must be true or false, got ${describeInput(issue.input)}`,
    })
    .optional()
    .transform((text) => text === "true" || text === "1" || text === "")
    .openapi({ description: `${description} (\`true\`/\`1\`, or \`false\`/\`0\`).` });
}
