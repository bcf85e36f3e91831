// ffmpeg start delay at daemon start, by what S3 does: the real daemon
// (`recorder/dist/cli.js run`, as the systemd unit runs it) is started
// BENCH_STARTS times (default 5) against an embedded S3 server that answers
// ("fast"), a port where nothing listens ("refused") and a server that
// accepts connections and never answers ("hanging"), each time stopped with
// SIGTERM once ffmpeg runs. The delay is from the daemon's "recorder
// starting" line to ffmpeg's start as the kernel records it
// (/proc/PID/stat), so it does not trust the daemon's own account. Each mode
// keeps its spool across starts, as restarts do. Prints medians as JSON on
// the last line for `pnpm bench`. Target: under 500 ms whatever S3 does.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startS3Server } from "@kiroku/shared/s3-server";
import { childProcesses, startBlackhole } from "../../test/helpers/process-start";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const starts = Number(process.env.BENCH_STARTS ?? 5);
const cli = path.join(root, "recorder/dist/cli.js");
if (!existsSync(cli))
  spawnSync(process.execPath, [path.join(root, "scripts/build.mjs"), "recorder"], {
    stdio: "inherit",
  });

/** The recording ffmpeg (segment muxer), not the capability checks fluent-ffmpeg runs before it. */
const RECORDING = /^segment$/;

const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-start-"));
const bucket = "bench-start";
const server = await startS3Server({ dir: path.join(work, "s3"), bucket });
const nodeFlags = (process.env.RECORDER_NODE_FLAGS ?? "--max-semi-space-size=1")
  .split(" ")
  .filter(Boolean);

/** Per start: the first ffmpeg child of any kind (fluent-ffmpeg's capability checks come first). */
const firstChildMs: number[] = [];

/** One daemon start: ms from "recorder starting" to ffmpeg's start. */
async function oneStart(endpoint: string, spoolDir: string): Promise<number> {
  const child = spawn(process.execPath, [...nodeFlags, cli, "run"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      S3_BUCKETNAME: bucket,
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      CHANNEL: "cam1",
      SOURCE: "test",
      VIDEO_SIZE: "320x240",
      FRAMERATE: "15",
      TARGET_DURATION: "2",
      SPOOL_DIR: spoolDir,
      METRICS_PORT: "0",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  const startingMs = await new Promise<number>((resolve, reject) => {
    let carry = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      const lines = (carry + chunk.toString("utf8")).split("\n");
      carry = lines.pop() ?? "";
      for (const line of lines) {
        try {
          const l = JSON.parse(line) as { msg?: string; time?: number };
          if (l.msg === "recorder starting") resolve(Number(l.time));
        } catch {}
      }
    });
    void exited.then(() => reject(new Error("daemon exited before starting")));
  });
  const deadline = Date.now() + 60_000;
  let ffmpeg: { startedAtMs: number } | undefined;
  let anyFfmpeg: { startedAtMs: number } | undefined;
  while (!ffmpeg && Date.now() < deadline) {
    anyFfmpeg ??= (await childProcesses(child.pid!, "ffmpeg"))[0];
    ffmpeg = (await childProcesses(child.pid!, "ffmpeg", RECORDING))[0];
    if (!ffmpeg) await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
  if (!ffmpeg) throw new Error("no ffmpeg within 60 s");
  firstChildMs.push(Math.round((anyFfmpeg ?? ffmpeg).startedAtMs - startingMs));
  return ffmpeg.startedAtMs - startingMs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results: Record<string, number[]> = { fast: [], refused: [], hanging: [] };
for (const mode of Object.keys(results)) {
  const spoolDir = path.join(work, `spool-${mode}`);
  let endpoint = server.endpoint;
  let close: (() => Promise<void>) | undefined;
  if (mode === "refused") {
    const hole = await startBlackhole(); // take a free port, then leave nothing listening on it
    await hole.close();
    endpoint = `http://127.0.0.1:${hole.port}`;
  } else if (mode === "hanging") {
    const hole = await startBlackhole();
    endpoint = `http://127.0.0.1:${hole.port}`;
    close = hole.close;
  }
  for (let i = 0; i < starts; i++)
    results[mode]!.push(Math.round(await oneStart(endpoint, spoolDir)));
  await close?.();
  console.log(
    `${mode}: recording ffmpeg ${results[mode]!.join(", ")} ms after "recorder starting" (first ffmpeg child of any kind: ${firstChildMs.splice(0).join(", ")} ms)`,
  );
}
await server.stop();
await rm(work, { recursive: true, force: true });

console.log(
  JSON.stringify({
    starts,
    ffmpegStartMsMedianFastS3: median(results.fast!),
    ffmpegStartMsMedianRefusedS3: median(results.refused!),
    ffmpegStartMsMedianHangingS3: median(results.hanging!),
    ffmpegStartMsMax: Math.max(...Object.values(results).flat()),
    targetMs: 500,
  }),
);
