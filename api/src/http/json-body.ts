import { z } from "@hono/zod-openapi";
import { KirokuError, ValidationError } from "@kiroku/shared";

/** Largest JSON body a write endpoint reads: settings and requests are a few hundred bytes. */
export const JSON_BODY_MAX_BYTES = 16 * 1024;

/**
 * Reads a request body as a JSON object, or throws a 400 that names what was
 * wrong: the `Content-Type` (it must be `application/json`: a form post or a
 * text body is a client bug, not something to guess at), the `body` itself
 * (malformed JSON, not an object) or its size (413). A write endpoint never
 * answers 500 to bad input, so every failure here is a KirokuError.
 */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type");
  const mediaType = type?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json" && !mediaType?.endsWith("+json")) {
    throw new ValidationError(
      "Content-Type",
      `Content-Type must be application/json, got ${type ? JSON.stringify(type.slice(0, 80)) : "none"}: send the body as JSON with Content-Type: application/json`,
      "UNSUPPORTED_CONTENT_TYPE",
    );
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > JSON_BODY_MAX_BYTES) throw tooLarge();
  const bytes = await readBounded(req.body, JSON_BODY_MAX_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(
      "body",
      "the body is not valid UTF-8: send JSON text",
      "MALFORMED_JSON",
    );
  }
  return parseJsonObject(text);
}

/**
 * Reads a body stream chunk by chunk and stops at the first chunk that takes
 * it past `maxBytes` (413): a chunked upload has no Content-Length to refuse
 * up front, and reading it whole first would let one request hold 100 MB of
 * memory. The rest of the stream is cancelled, never read.
 */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not awaited: a client that stops sending must not hold the answer.
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Parses JSON text that must hold one object; 400 naming `body` otherwise. */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") {
    throw new ValidationError("body", "the body is empty: send a JSON object", "MALFORMED_JSON");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(
      "body",
      `the body is not valid JSON (${(err as Error).message.slice(0, 120)})`,
      "MALFORMED_JSON",
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(
      "body",
      `the body must be a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Refuses fields an endpoint does not know: a typo should not look like success. */
export function rejectUnknownFields(
  body: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new ValidationError(unknown, unknownField(unknown, allowed));
}

function unknownField(key: string, allowed: readonly string[]): string {
  return `unknown field ${JSON.stringify(key.slice(0, 64))}: allowed are ${allowed.join(", ")}`;
}

/**
 * The schema of a JSON body: an object of exactly these fields (the
 * document says `additionalProperties: false`), an unknown one refused
 * with the message `rejectUnknownFields` gives, listing `allowed` (by
 * default the fields in their order). `unknownMessage` overrides that
 * message (the settings body lists every unknown field at once).
 */
export function jsonObject<S extends z.core.$ZodLooseShape>(
  shape: S,
  options: { allowed?: readonly string[]; unknownMessage?: (keys: string[]) => string } = {},
) {
  const { allowed = Object.keys(shape), unknownMessage } = options;
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? (unknownMessage?.(issue.keys) ?? unknownField(issue.keys[0] ?? "", allowed))
        : undefined,
  });
}

function tooLarge(): KirokuError {
  return new KirokuError(
    "BODY_TOO_LARGE",
    `the body is larger than ${JSON_BODY_MAX_BYTES} bytes: these requests are small JSON objects`,
    413,
  );
}
