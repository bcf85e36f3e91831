import { type RouteConfig, z } from "@hono/zod-openapi";
import { CHANNEL_NAME_PATTERN, validateChannelName } from "@kiroku/shared";
import { asIssue } from "../http/validation";

/**
 * Schemas more than one resource's routes share: the error answer, times,
 * the channel path parameter, and helpers for answers in the document.
 */

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({
        description: "Stable code, e.g. INVALID_ARGUMENT, NO_SEGMENTS, STORAGE_UNAVAILABLE.",
      }),
      message: z.string().openapi({ description: "What was wrong and how to fix it." }),
      field: z
        .string()
        .optional()
        .openapi({ description: "On 400: the parameter, header or body field at fault." }),
    }),
  })
  .openapi("Error");

export const Time = z
  .string()
  .openapi("Time", { format: "date-time", examples: ["2026-11-22T10:30:00.000Z"] });

/** `:ch`, checked by `validateChannelName` (400 INVALID_CHANNEL naming `channel`). */
export const channelName = z
  .string()
  .superRefine((name, ctx) => {
    asIssue(ctx, () => validateChannelName(name, "channel"));
  })
  .openapi({
    param: { name: "ch", in: "path" },
    description: "Channel name.",
    pattern: CHANNEL_NAME_PATTERN.source,
    example: "cam1",
  });

/** The path parameters of `/v1/channels/{ch}/…`. */
export const channelParams = z.object({ ch: channelName });

/** One answer of a route, as zod-to-openapi takes it. */
export type ResponseConfig = Exclude<RouteConfig["responses"][string], { $ref: string }>;
type Headers = ResponseConfig["headers"];

/** A JSON answer of `schema`. */
export function json(description: string, schema: z.ZodType, headers?: Headers): ResponseConfig {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema } },
  };
}

/** An error answer: `{error:{code,message}}`, the codes said in the description. */
export function problem(description: string): ResponseConfig {
  return json(description, ErrorSchema);
}

/** A text answer (a playlist, a page) of one media type. */
export function text(description: string, mediaType: string, headers?: Headers): ResponseConfig {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [mediaType]: { schema: z.string() } },
  };
}

/** A reference to a shared component (`headers/ETag`, `responses/NotModified`). */
export function ref(kind: "headers" | "responses", name: string) {
  return { $ref: `#/components/${kind}/${name}` };
}
