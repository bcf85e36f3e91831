import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { ApiEnv } from "./access/context";

export interface RunningServer {
  /** `http://127.0.0.1:8080` (the address actually bound; port 0 picks a free one). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the app with @hono/node-server: the thin Node runtime wrapper. */
export function startNodeServer(
  app: Hono<ApiEnv>,
  opts: { port: number; host: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: opts.port, hostname: opts.host },
      (info: AddressInfo) => {
        const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
        resolve({
          url: `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Idle keep-alive sockets would hold close() open.
              (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
