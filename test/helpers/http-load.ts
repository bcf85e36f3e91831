import { spawn } from "node:child_process";

/**
 * An HTTP load generator in a process of its own: N keep-alive clients ask
 * for one URL in a loop for a few seconds and count the answers that came
 * back whole. A load generator inside the server's process shares its event
 * loop and its core, so it measures itself as much as the server (a 500 KB
 * playlist costs the client as much to read as the server to send); here the
 * server under test has its process to itself, and the client reports the
 * CPU it used, so a bench can tell when the client, not the server, was the
 * limit.
 *
 * The child is plain JavaScript run with `node -e` (no TypeScript loader to
 * start) and takes rounds over IPC, so one process serves every round of a
 * side-by-side comparison. Each round is bounded in time and in requests.
 */
const CLIENT_SOURCE = `
const http = require("node:http");
process.on("message", async (round) => {
  const { url, headers, concurrency, seconds, expectBytes, maxRequests } = round;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let done = 0, failed = 0, bytes = 0, started = 0;
  const get = () => new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      let n = 0;
      res.on("data", (chunk) => { n += chunk.length; });
      res.on("end", () => {
        if (res.statusCode === 200 && (expectBytes === undefined || n === expectBytes)) { done++; bytes += n; }
        else failed++;
        resolve();
      });
      res.on("error", () => { failed++; resolve(); });
    });
    req.on("error", () => { failed++; resolve(); });
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline && started < maxRequests) { started++; await get(); }
  }));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  process.send({ done, failed, bytes, elapsedMs, clientCpuMs: (cpu.user + cpu.system) / 1000 });
});
process.on("disconnect", () => process.exit(0));
`;

/** One round of load: `concurrency` keep-alive clients asking for `url` for `seconds`. */
export interface LoadRound {
  url: URL | string;
  headers?: Record<string, string>;
  concurrency: number;
  seconds: number;
  /** An answer counts as done only with status 200 and exactly this many body bytes. */
  expectBytes?: number;
  /** Stops early after this many requests (default one million). */
  maxRequests?: number;
}

export interface LoadResult {
  /** Answers that came back whole (status 200, the expected length). */
  done: number;
  /** Errors, other statuses, short bodies. */
  failed: number;
  bytes: number;
  elapsedMs: number;
  requestsPerSecond: number;
  /** CPU the client process used in the round (user + system), ms: near `elapsedMs`, the client was the limit. */
  clientCpuMs: number;
}

export interface LoadClient {
  run(round: LoadRound): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Starts the load generator process; `close()` ends it. */
export function startLoadClient(): LoadClient {
  const child = spawn(process.execPath, ["-e", CLIENT_SOURCE], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    run(round) {
      return new Promise<LoadResult>((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`load client exited (${code}) during a round`));
        child.once("exit", onExit);
        child.once("message", (m) => {
          child.off("exit", onExit);
          const r = m as Omit<LoadResult, "requestsPerSecond">;
          resolve({ ...r, requestsPerSecond: r.done / (r.elapsedMs / 1000) });
        });
        child.send({
          url: String(round.url),
          headers: round.headers ?? {},
          concurrency: round.concurrency,
          seconds: round.seconds,
          expectBytes: round.expectBytes,
          maxRequests: round.maxRequests ?? 1_000_000,
        });
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
