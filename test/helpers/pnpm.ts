import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * How to run `pnpm …` from a test as a user would: the pnpm that runs this
 * test (npm_execpath), else the project-local one ./setup.sh installs, else
 * the one on PATH. Returns the command and the arguments to put before
 * pnpm's own.
 */
export function pnpmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(path.basename(execPath)) && existsSync(execPath)) {
    return /\.c?js$/.test(execPath)
      ? { command: process.execPath, prefix: [execPath] }
      : { command: execPath, prefix: [] };
  }
  const local = path.join(root, ".kiroku/tools/node_modules/.bin/pnpm");
  return existsSync(local) ? { command: local, prefix: [] } : { command: "pnpm", prefix: [] };
}
