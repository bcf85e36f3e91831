/**
 * Answers for requests the Node server refuses before the app sees them, in
 * the API's one JSON error shape: a request line or headers that do not
 * parse, headers over Node's size limit, a `Host` header that does not match
 * the URL, a request that took too long to arrive. Without this, Node closes
 * with an empty 400/431 and @hono/node-server answers an empty 400, which a
 * client cannot tell from a proxy's failure.
 */

interface ClientErrorShape {
  code?: string;
}

/** Status, code and message for an error Node's HTTP parser raised (`clientError`). */
export function clientErrorAnswer(err: unknown): { status: number; code: string; message: string } {
  const code = (err as ClientErrorShape | undefined)?.code ?? "";
  if (code === "HPE_HEADER_OVERFLOW") {
    return {
      status: 431,
      code: "HEADERS_TOO_LARGE",
      message: "the request headers are too large: send shorter headers (at most 16 KiB in all)",
    };
  }
  if (code === "ERR_HTTP_REQUEST_TIMEOUT" || code === "ERR_HTTP_HEADERS_TIMEOUT") {
    return {
      status: 408,
      code: "REQUEST_TIMEOUT",
      message: "the request did not arrive in time: send it again",
    };
  }
  return {
    status: 400,
    code: "MALFORMED_REQUEST",
    message:
      "the request is not valid HTTP/1.1 (request line, headers or body framing): fix the client",
  };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

/** The raw HTTP/1.1 response for a `clientError`: JSON body, then the connection closes. */
export function clientErrorResponse(err: unknown): string {
  const { status, code, message } = clientErrorAnswer(err);
  const body = JSON.stringify({ error: { code, message } });
  return [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * The app's answer when @hono/node-server cannot build a Request from what
 * arrived (`RequestError`: bad `Host`, a backslash in the path, a bad absolute
 * URL), else the 500 of an app that threw past its own error handler.
 */
export function requestErrorResponse(err: unknown): Response {
  const bad = (err as { name?: string } | undefined)?.name === "RequestError";
  const body = bad
    ? {
        error: {
          code: "MALFORMED_REQUEST",
          message: `the request cannot be read (${((err as Error).message || "bad request").slice(0, 80)}): send a valid Host header and an absolute path`,
        },
      }
    : { error: { code: "INTERNAL", message: "internal error (logged on the server)" } };
  return new Response(JSON.stringify(body), {
    status: bad ? 400 : 500,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}
