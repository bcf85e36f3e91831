import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A request-counting proxy in front of an S3 endpoint: every request is
 * forwarded untouched (Host header included, or SigV4 signatures break) and
 * counted by what S3 bills it as. It sees what a process really sends,
 * whoever sends it (a recorder daemon in its own process, the API, the SDK's
 * retries), which is what the bill is made of: the independent measure of
 * the product's S3 cost.
 */

/** AWS S3 Standard list prices (us-east-1), dollars per request. */
export const S3_PRICES = {
  /** PUT, COPY, POST, LIST. */
  tier1: 0.005 / 1000,
  /** GET, HEAD and all other reads. */
  tier2: 0.0004 / 1000,
} as const;

/** What a request is, in billing terms, and what it touched. */
export interface CountedRequest {
  /** `PUT`, `GET`, `HEAD`, `LIST`, `POST`, `DELETE`. */
  op: "PUT" | "GET" | "HEAD" | "LIST" | "POST" | "DELETE";
  /** The object key (empty for bucket-level requests). */
  key: string;
  /** What the key is in Kiroku's layout: `segment`, `status`, `settings`, `run`, … (see kindOfKey). */
  kind: string;
  status: number;
}

export interface S3RequestCounter {
  /** Point clients here instead of the server's endpoint. */
  endpoint: string;
  /** Every request forwarded so far, in order. */
  readonly requests: readonly CountedRequest[];
  /** Requests by `OP kind` (e.g. `PUT segment`, `GET settings`, `LIST segment`). */
  byKind(): Record<string, number>;
  /** How many requests match. */
  count(op?: CountedRequest["op"], kind?: string): number;
  /** Forgets what was counted. */
  reset(): void;
  close(): Promise<void>;
}

/** Dollars the counted requests cost at S3 Standard list prices (DELETE is free). */
export function priceOf(requests: readonly Pick<CountedRequest, "op">[]): number {
  let dollars = 0;
  for (const r of requests) {
    if (r.op === "PUT" || r.op === "POST" || r.op === "LIST") dollars += S3_PRICES.tier1;
    else if (r.op === "GET" || r.op === "HEAD") dollars += S3_PRICES.tier2;
  }
  return dollars;
}

/**
 * The part of Kiroku's key layout a key belongs to (README, "Storage
 * layout"): `segment` (`movie/cam1/2026-…_r1_s5.ts`), `status`, `settings`,
 * `run` (`_meta/…`), `day-index` (`_index/…`), `vod-playlist`, `other`; for
 * a listing, of its prefix.
 */
export function kindOfKey(key: string): string {
  if (/^[^/]+\/_index\//.test(key)) return "day-index";
  if (/\/_meta\/[^/]+\/status\.json$/.test(key)) return "status";
  if (/\/_meta\/[^/]+\/settings\.json$/.test(key)) return "settings";
  if (/\/_meta\/[^/]+\/runs\//.test(key)) return "run";
  if (/\/_meta\//.test(key) || /\/_meta\/?$/.test(key)) return "meta";
  if (/\/vod\//.test(key)) return "vod-playlist";
  if (/\.ts$/.test(key)) return "segment";
  if (/^[^/]+\/[a-z0-9][a-z0-9_-]*\//.test(key)) return "segment";
  return key === "" ? "bucket" : "other";
}

/** Classifies one path-style request (`/bucket/key?query`). */
export function classify(method: string, url: string, status: number): CountedRequest {
  const u = new URL(url, "http://x");
  const parts = u.pathname.split("/").slice(2); // "", bucket, key…
  const key = decodeURIComponent(parts.join("/"));
  const q = u.searchParams;
  let op: CountedRequest["op"];
  let kind: string;
  if (method === "GET" && key === "" && (q.has("list-type") || q.has("uploads") || q.size === 0)) {
    op = "LIST";
    kind = q.has("uploads") ? "multipart" : kindOfKey(q.get("prefix") ?? "");
  } else {
    op = (
      ["PUT", "GET", "HEAD", "POST", "DELETE"].includes(method) ? method : "GET"
    ) as CountedRequest["op"];
    kind = method === "POST" && q.has("delete") ? "batch-delete" : kindOfKey(key);
  }
  return { op, key, kind, status };
}

/** Starts a counting proxy on loopback in front of `target` (e.g. the embedded server's endpoint). */
export async function startS3RequestCounter(target: string): Promise<S3RequestCounter> {
  const to = new URL(target);
  const requests: CountedRequest[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (up) => {
        requests.push(classify(req.method ?? "GET", req.url ?? "/", up.statusCode ?? 0));
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      requests.push(classify(req.method ?? "GET", req.url ?? "/", 502));
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    byKind() {
      const out: Record<string, number> = {};
      for (const r of requests) out[`${r.op} ${r.kind}`] = (out[`${r.op} ${r.kind}`] ?? 0) + 1;
      return out;
    },
    count(op, kind) {
      return requests.filter((r) => (!op || r.op === op) && (!kind || r.kind === kind)).length;
    },
    reset() {
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
