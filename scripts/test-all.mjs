// The whole test suite, as the README's test command and CI run it: type
// check, lint, then every vitest project (unit and integration, real ffmpeg,
// embedded S3, RTSP camera, Chromium). Ends with one summary line.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const artifacts = path.join(root, "test-artifacts");
mkdirSync(artifacts, { recursive: true });

// Every child process that loads the AWS SDK would print its Node 20
// end-of-support notice (README, Troubleshooting): once is enough, here.
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
if (Number(process.versions.node.split(".")[0]) < 22)
  console.log(
    "note: AWS SDK releases after January 2027 need Node 22; this suite silences the SDK's warning",
  );

function run(title, cmd, args) {
  console.log(`\n==> ${title}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  console.log(
    `<== ${title}: ${result.status === 0 ? "ok" : `failed (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.status === 0;
}

const checks = [
  run("type check", "pnpm", ["exec", "tsc", "-p", "tsconfig.json", "--noEmit"]),
  run("lint and format check", "pnpm", ["exec", "biome", "check", "."]),
];
const report = path.join(artifacts, "vitest-report.json");
const testsOk = run("tests (vitest)", "pnpm", [
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  failed += 1; // no report means the runner itself failed
}
const failedChecks = checks.filter((ok) => !ok).length;
console.log(`\n${passed} passed, ${failed + failedChecks} failed, ${skipped} skipped`);
process.exit(checks.every(Boolean) && testsOk && failed === 0 && skipped === 0 ? 0 : 1);
