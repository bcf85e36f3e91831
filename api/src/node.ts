import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { ApiEnv } from "./access/context";
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
 * shape too (`http/server-errors.ts`).
 */
export function startNodeServer(
  app: Hono<ApiEnv>,
  opts: { port: number; host: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      getRequestListener(app.fetch, { hostname: opts.host, errorHandler: requestErrorResponse }),
    );
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
