import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { Socket } from "node:net";

/** One request that reached the proxy: its S3 operation, when it arrived, how it was answered. */
export interface ProxiedRequest {
  method: string;
  url: string;
  /** `ListObjectsV2`, `GetObject`, `PutObject`, `DeleteObjects`, … (from the method and query). */
  operation: string;
  arrivedAt: number;
  answeredAt?: number;
  status?: number;
  injected: boolean;
}

/** What the proxy answers itself instead of forwarding (a fault), or undefined to forward. */
export type Injector = (
  req: IncomingMessage,
  operation: string,
) => { status: number; code: string } | undefined;

export interface CountingProxy {
  port: number;
  endpoint: string;
  /** Every request so far, in arrival order. */
  requests: ProxiedRequest[];
  count(operation?: string): number;
  /** Answers matching requests with an S3 error instead of forwarding them. */
  inject(injector: Injector | undefined): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 endpoint that counts what passes: the cost
 * of an answer, measured outside the code under test. Requests go upstream
 * untouched (Host included, so SigV4 signatures stay valid); `inject` makes
 * it answer chosen requests with an S3 error (`503 SlowDown`) itself.
 */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const requests: ProxiedRequest[] = [];
  let injector: Injector | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const operation = operationOf(req.method ?? "GET", req.url ?? "/");
    const entry: ProxiedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      operation,
      arrivedAt: performance.now(),
      injected: false,
    };
    requests.push(entry);
    const fault = injector?.(req, operation);
    if (fault) {
      entry.injected = true;
      req.resume();
      req.on("end", () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the test proxy</Message></Error>`;
        res.writeHead(fault.status, {
          "Content-Type": "application/xml",
          "Content-Length": Buffer.byteLength(body),
        });
        res.end(body);
        entry.answeredAt = performance.now();
        entry.status = fault.status;
      });
      return;
    }
    const upstream = request(
      {
        host: "127.0.0.1",
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("end", () => {
          entry.answeredAt = performance.now();
          entry.status = up.statusCode;
        });
      },
    );
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    count: (operation) =>
      operation === undefined
        ? requests.length
        : requests.filter((r) => r.operation === operation).length,
    inject(next) {
      injector = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The S3 operation of a path-style request, from its method and query. */
export function operationOf(method: string, url: string): string {
  const u = new URL(url, "http://x");
  const q = u.searchParams;
  const path = u.pathname.split("/").filter(Boolean);
  const onBucket = path.length <= 1;
  if (method === "GET" && onBucket) {
    if (q.has("uploads")) return "ListMultipartUploads";
    return q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
  }
  if (method === "POST" && q.has("delete")) return "DeleteObjects";
  if (method === "GET") return "GetObject";
  if (method === "HEAD") return onBucket ? "HeadBucket" : "HeadObject";
  if (method === "PUT")
    return onBucket ? "CreateBucket" : q.has("partNumber") ? "UploadPart" : "PutObject";
  if (method === "DELETE") return "DeleteObject";
  return `${method} ${u.pathname}`;
}
