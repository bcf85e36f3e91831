// `pnpm bench`: runs every benchmark script as its own process (so one's
// memory and CPU never colour another's), reads the JSON each prints on its
// last line, and prints one table. Figures are medians and same-run ratios;
// the machine is named so results can be compared. `pnpm bench NAME…` runs
// only the benchmarks whose name contains one of the words. Long benchmarks
// (the 20-minute soak) run only when named: `pnpm bench soak`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** name → script (TypeScript, run with tsx). Later issues add theirs here. */
const benchmarks = [
  ["range-listing", "shared/bench/range-listing.ts"],
  ["playlist-render", "api/bench/playlist-render.ts"],
  ["api-range-listing", "api/bench/range-listing.ts"],
  ["api-cached-playlist", "api/bench/cached-playlist.ts"],
  ["clip-mp4", "api/bench/clip-mp4.ts"],
  ["upload", "recorder/bench/upload.ts"],
  ["recorder-cost", "recorder/bench/daemon-cost.ts"],
  ["camera-request-cost", "recorder/bench/s3-cost.ts"],
  ["live-viewer-cost", "api/bench/viewer-cost.ts"],
  ["api-lambda-month", "api/bench/lambda-month.ts"],
  ["api-day-index", "api/bench/day-index.ts"],
  ["recorder-start", "recorder/bench/start-delay.ts"],
  ["verify", "recorder/bench/verify.ts"],
  ["thumbnail", "recorder/bench/thumbnail.ts"],
  ["spool-handover", "recorder/bench/spool-handover.ts"],
  ["live-resume", "test/bench/live-resume.ts"],
];

/** Run only when named (`pnpm bench soak`): name → script, why it is left out of the plain run. */
const longBenchmarks = [
  [
    "soak",
    "recorder/bench/soak.ts",
    "recorder RSS slope and bytes written over 40 minutes, 1 and 4 channels (SOAK_MINUTES=1 for a smoke run)",
  ],
];

const filters = process.argv.slice(2);
const selected =
  filters.length === 0
    ? benchmarks
    : [...benchmarks, ...longBenchmarks].filter(([name]) => filters.some((f) => name.includes(f)));
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
console.log(`Kiroku benchmarks on ${machine}\n`);

const results = [];
let failures = 0;
for (const [name, script] of selected) {
  const file = path.join(root, script);
  if (!existsSync(file)) {
    console.log(`- ${name}: not available yet (${script} is missing)`);
    continue;
  }
  console.log(`==> ${name} (${script})`);
  const run = spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // The SDK's notice that its 2027 releases need Node 22 is for operators, not bench output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = (run.stdout ?? "").trim().split("\n");
  process.stdout.write(
    lines
      .slice(0, -1)
      .map((l) => `    ${l}\n`)
      .join(""),
  );
  let figures;
  try {
    figures = JSON.parse(lines.at(-1) ?? "");
  } catch {
    figures = undefined;
  }
  if (run.status !== 0 || !figures) {
    failures++;
    console.log(`    FAILED (exit ${run.status ?? run.signal})`);
    continue;
  }
  results.push({ name, ...figures });
  for (const [key, value] of Object.entries(figures))
    console.log(`    ${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
}

mkdirSync(path.join(root, "test-artifacts"), { recursive: true });
writeFileSync(
  path.join(root, "test-artifacts/bench.json"),
  `${JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2)}\n`,
);
console.log(
  `\n${results.length} benchmarks done, ${failures} failed; figures in test-artifacts/bench.json`,
);
if (filters.length === 0)
  for (const [name, , what] of longBenchmarks)
    console.log(`not run by default: ${name}, ${what}: \`pnpm bench ${name}\``);
process.exit(failures === 0 ? 0 : 1);
