// `pnpm demo`: Kiroku on embedded defaults, nothing to configure
// (HOST=0.0.0.0 to open it from another machine, see below).
// Starts the embedded S3 server (data in .kiroku/demo/s3), a recorder with a
// test-pattern channel (and a second channel for /dev/video0 when present),
// and the API with its web page and a generated local token; prints the URLs
// to open; Ctrl-C stops everything, each service finishing its own work
// (the recorder finalizes and uploads its last segment). Re-running keeps
// earlier recordings.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const data = path.resolve(process.env.KIROKU_DEMO_DIR ?? path.join(root, ".kiroku/demo"));
mkdirSync(data, { recursive: true });

const tokenFile = path.join(data, "api-token");
if (!existsSync(tokenFile))
  writeFileSync(tokenFile, `${randomBytes(18).toString("base64url")}\n`, { mode: 0o600 });
const token = readFileSync(tokenFile, "utf8").trim();
const secretFile = path.join(data, "signing-secret");
if (!existsSync(secretFile))
  writeFileSync(secretFile, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });

// The API listens on loopback unless HOST says otherwise (HOST=0.0.0.0 on a
// headless Pi, so a laptop on the same network can open the page). Off
// loopback, segments are served through the API (SEGMENT_URLS=proxy): a
// presigned URL would point at the embedded S3 server on 127.0.0.1, which is
// the laptop itself from the laptop's side. S3 stays on loopback either way.
const apiHost = process.env.HOST?.trim() || "127.0.0.1";
const onLoopback = isLoopback(apiHost);
const segmentUrls = process.env.SEGMENT_URLS?.trim() || (onLoopback ? "presigned" : "proxy");
const s3Port = await freePort(Number(process.env.S3_PORT ?? 9000));
const apiPort = await freePort(Number(process.env.PORT ?? 8080), apiHost);
const metricsPort = await freePort(Number(process.env.METRICS_PORT ?? 9464));
const bucket = "kiroku";
const common = {
  ...process.env,
  S3_BUCKETNAME: bucket,
  S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  S3_REGION: "us-east-1",
  // Short segments so the demo is live within seconds; production uses 30.
  TARGET_DURATION: process.env.TARGET_DURATION ?? "4",
  LOG_FORMAT: process.env.LOG_FORMAT ?? "pretty",
  // The AWS SDK's nine-line Node version notice, once per service, is said
  // once below in one line instead.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
if (Number(process.versions.node.split(".")[0]) < 22) {
  console.log(
    `[demo] note: AWS SDK releases after the first week of January 2027 need Node >= 22 (this is ${process.version})`,
  );
}

const services = [];
let stopping = false;

function start(name, script, args, env, nodeFlags = []) {
  const file = path.join(root, script);
  if (!existsSync(file)) {
    console.log(`[demo] ${name}: ${script} is not built (run ./setup.sh first); skipped`);
    return undefined;
  }
  // Each service in its own process group: a terminal's Ctrl-C reaches only
  // this launcher, which stops the services in order (the recorder must
  // finish its last upload while S3 is still up).
  const child = spawn(process.execPath, [...nodeFlags, file, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream.on("data", (chunk) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) console.log(prefix + line);
    });
  }
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.log(`[demo] ${name} exited (${code ?? signal}); stopping the demo`);
      void stopAll(1);
    }
  });
  services.push({ name, child });
  return child;
}

async function stopAll(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log(
    "\n[demo] stopping: the API, then the recorder (it finalizes and uploads its last segment), then S3",
  );
  // Reverse start order: the recorder needs S3 while it finishes.
  for (const { name, child } of [...services].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill("SIGTERM");
    const done = await Promise.race([
      new Promise((resolve) => child.once("exit", () => resolve(true))),
      new Promise((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    if (!done) {
      console.log(`[demo] ${name} did not stop in 15 s; killing it`);
      child.kill("SIGKILL");
    }
  }
  console.log("[demo] stopped; recordings are kept in", path.relative(root, data) || data);
  process.exit(exitCode);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
process.on("SIGHUP", () => void stopAll(0));
// Should this launcher die some other way, take the services with it.
process.on("exit", () => {
  for (const { child } of services)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

console.log(`[demo] data folder: ${data}`);
start(
  "s3",
  "shared/dist/s3-server-cli.js",
  ["--dir", path.join(data, "s3"), "--port", String(s3Port), "--bucket", bucket],
  common,
);
await waitForPort(s3Port, 20_000);

const channels = [{ name: "cam1", source: "test" }];
if (existsSync("/dev/video0")) channels.push({ name: "webcam", source: "/dev/video0" });
const configFile = path.join(data, "recorder.json");
writeFileSync(configFile, `${JSON.stringify({ channels }, null, 2)}\n`);
start(
  "recorder",
  "recorder/dist/cli.js",
  ["run", "--config", configFile],
  {
    ...common,
    SPOOL_DIR: path.join(data, "spool"),
    METRICS_PORT: String(metricsPort),
    // glibc's malloc as the systemd unit runs it
    MALLOC_ARENA_MAX: "2",
    MALLOC_MMAP_THRESHOLD_: "131072",
    MALLOC_TRIM_THRESHOLD_: "131072",
  },
  ["--max-semi-space-size=1", "--optimize-for-size"], // as the systemd unit runs it
);
start("api", "api/dist/cli.js", [], {
  ...common,
  PORT: String(apiPort),
  HOST: apiHost,
  API_TOKEN: token,
  SIGNING_SECRET: readFileSync(secretFile, "utf8").trim(),
  SEGMENT_URLS: segmentUrls,
});
if (services.some((s) => s.name === "api"))
  await waitForPort(
    apiPort,
    20_000,
    apiHost === "0.0.0.0" || apiHost === "::" ? "127.0.0.1" : apiHost,
  );

// Loopback: localhost. Otherwise every address of this machine a laptop could reach.
const apiOrigins = onLoopback
  ? [`http://localhost:${apiPort}`]
  : networkAddresses(apiHost).map((a) => `http://${a.includes(":") ? `[${a}]` : a}:${apiPort}`);
if (apiOrigins.length === 0) apiOrigins.push(`http://${apiHost}:${apiPort}`);
const web = `${apiOrigins[0]}/#token=${token}`;
const webLines = apiOrigins
  .map((o, i) => `[demo]   ${i === 0 ? "web page     " : "             "} ${o}/#token=${token}`)
  .join("\n");
console.log(`
[demo] Kiroku is running${onLoopback ? "" : ` on ${apiHost}, segments served through the API (SEGMENT_URLS=${segmentUrls})`}. Open:
${webLines}
[demo]   live playlist ${apiOrigins[0]}/v1/channels/cam1/live.m3u8   (Authorization: Bearer ${token})
[demo]   S3 endpoint   http://127.0.0.1:${s3Port}  bucket ${bucket}  (key S3RVER / secret S3RVER)
[demo]   metrics       http://127.0.0.1:${metricsPort}/metrics${onLoopback ? "\n[demo] Only this machine can open these: for a laptop on the network, HOST=0.0.0.0 ./setup.sh demo" : ""}
[demo] Press Ctrl-C to stop.
`);
writeFileSync(
  path.join(data, "urls.json"),
  `${JSON.stringify({ web, webAll: apiOrigins.map((o) => `${o}/#token=${token}`), api: apiOrigins[0], token, segmentUrls, s3: `http://127.0.0.1:${s3Port}`, metrics: `http://127.0.0.1:${metricsPort}` }, null, 2)}\n`,
);

function isLoopback(host) {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** This machine's non-loopback addresses a listener on `host` answers at (IPv4 first). */
function networkAddresses(host) {
  const all = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !(a.family === "IPv6" && a.address.startsWith("fe80:")));
  const matching =
    host === "0.0.0.0"
      ? all.filter((a) => a.family === "IPv4")
      : host === "::"
        ? all
        : all.filter((a) => a.address === host);
  return matching
    .sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1))
    .map((a) => a.address);
}

/** The preferred port when free, else any free port (a second demo or another service may hold it). */
async function freePort(preferred, host = "127.0.0.1") {
  const tryListen = (port) =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(undefined));
      server.listen(port, host, () => {
        const { port: got } = server.address();
        server.close(() => resolve(got));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0));
}

async function waitForPort(port, timeoutMs, host = "127.0.0.1") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, host, () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}
