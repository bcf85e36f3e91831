import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { ApiEnv } from "./access/context";
import { type BareRequest, cachedAnswerOf } from "./app";
import { clientErrorResponse, requestErrorResponse } from "./http/server-errors";

export interface RunningServer {
  /** `http://127.0.0.1:8080` (the address actually bound; port 0 picks a free one). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the app with @hono/node-server's request listener: the thin Node
 * runtime wrapper. What Node or the adapter refuse before the app runs (bad
 * framing, oversized headers, a bad `Host`) is answered in the JSON error
 * shape too (`http/server-errors.ts`). A finished range playlist the app has
 * already answered from its cache is sent straight from that cache
 * (`cachedAnswerOf`, app.ts): the same checks, headers and bytes, without
 * routing and middleware, which cost more than writing the bytes.
 */
export function startNodeServer(
  app: Hono<ApiEnv>,
  opts: { port: number; host: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const viaApp = getRequestListener(app.fetch, {
      hostname: opts.host,
      errorHandler: requestErrorResponse,
    });
    const cached = cachedAnswerOf(app);
    const server = createServer((req, res) => {
      const answer =
        cached && req.url?.startsWith("/") ? cached(bareRequest(req, opts.host)) : undefined;
      if (!answer) return viaApp(req, res);
      if (answer.bytes) answer.headers["Content-Length"] = String(answer.bytes.length);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.bytes);
    });
    server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      // A reset connection has nobody to answer; otherwise answer once, then close.
      if (err.code === "ECONNRESET" || !socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(clientErrorResponse(err));
    });
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const info = server.address() as AddressInfo;
      const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would hold close() open.
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** The request as the app would see it: the URL @hono/node-server builds (`http://` + Host + path), headers as Node parsed them. */
function bareRequest(req: IncomingMessage, defaultHost: string): BareRequest {
  return {
    method: req.method ?? "GET",
    url: `http://${req.headers.host || defaultHost}${req.url}`,
    headers: req.headers,
  };
}
