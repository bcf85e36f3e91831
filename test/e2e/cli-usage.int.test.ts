import { execFile, execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import apiPkg from "../../api/package.json" with { type: "json" };
import recorderPkg from "../../recorder/package.json" with { type: "json" };

/**
 * The built CLIs as a user types them: `pnpm recorder …` and `pnpm api …`
 * through the root package.json scripts (so pnpm must pass `--help` on, not
 * answer it itself), in an environment with no configuration at all: help
 * and version must not need any, and a usage error exits 2 naming the option.
 */
const root = path.resolve(import.meta.dirname, "../..");

/** Newest modification time of the sources a bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts") || entry.name === "package.json")
        newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const pkg of ["shared", "recorder", "api"]) {
    walk(path.join(root, pkg, "src"));
    newest = Math.max(newest, statSync(path.join(root, pkg, "package.json")).mtimeMs);
  }
  return newest;
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

beforeAll(() => {
  // `./setup.sh test` builds first; build here only when the bundles are missing or older than the sources.
  const built = Math.min(
    mtime(path.join(root, "recorder/dist/cli.js")),
    mtime(path.join(root, "api/dist/cli.js")),
  );
  if (built < newestSource()) {
    execFileSync(process.execPath, ["scripts/build.mjs", "recorder", "api"], {
      cwd: root,
      stdio: "ignore",
    });
  }
}, 120_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `pnpm LINE` in the repository (`node DIST …` for a line starting with
 * `node`: the same bundle without pnpm's start-up), with no S3, API or
 * recorder variables set.
 */
function run(line: string): Promise<Run> {
  const [cmd, ...args] = line.split(" ");
  const file = cmd === "node" ? process.execPath : "pnpm";
  return new Promise((resolve) => {
    execFile(
      file,
      cmd === "node" ? args : [cmd!, ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number | string }).code ?? null) : 0;
        resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
      },
    );
  });
}

const recorder = "node recorder/dist/cli.js";
const api = "node api/dist/cli.js";

describe("pnpm recorder and pnpm api from the command line", () => {
  it.each([
    // The acceptance commands, exactly as typed.
    ["recorder --help", "Usage: pnpm recorder <command> [options]"],
    ["recorder run --help", "Usage: pnpm recorder run [--config FILE]"],
    ["api --help", "Usage: pnpm api "],
    ["api channels --help", "Usage: pnpm api channels <command> [options]"],
    // The same bundles, straight from node.
    [`${recorder} capture --help`, "Usage: pnpm recorder capture --source SOURCE --out DIR"],
    [`${recorder} probe -h`, "Usage: pnpm recorder probe"],
    [`${recorder} --version`, `@kiroku/recorder ${recorderPkg.version}\n`],
    [`${api} channels sessions --help`, "Usage: pnpm api channels sessions CH --mode"],
    [`${api} --version`, `@kiroku/api ${apiPkg.version}\n`],
  ])("`%s` prints its usage and exits 0 without any configuration", async (line, text) => {
    const got = await run(line);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain(text);
    // Nothing was started or read: no config error, no server, no S3.
    expect(got.stderr).not.toMatch(/Invalid|S3_BUCKETNAME|listening/);
    expect(got.stdout).not.toMatch(/listening|recorder starting/);
  });

  it.each([
    [
      "recorder run --bogus",
      'unknown option --bogus for "recorder run"; see pnpm recorder run --help',
    ],
    [
      `${recorder} run --config`,
      'missing the value of --config for "recorder run"; see pnpm recorder run --help',
    ],
    [`${recorder} record`, 'unknown command "record" for "recorder"; see pnpm recorder --help'],
    [`${api} --bogus`, 'unknown option --bogus for "api"; see pnpm api --help'],
    [
      `${api} channels list --bogus`,
      'unknown option --bogus for "api channels list"; see pnpm api channels list --help',
    ],
  ])("`%s` exits 2 naming the mistake", async (line, message) => {
    const got = await run(line);
    expect(got.code).toBe(2);
    expect(got.stderr).toContain(message);
    expect(got.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
