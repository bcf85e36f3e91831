import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * `./setup.sh` on a fresh copy of the project (every tracked file, no
 * node_modules, no build) prints no warning: what a newcomer sees first.
 * The project-local pnpm is shared with this checkout when it has one (so
 * the test does not download pnpm again).
 */
describe("a fresh ./setup.sh", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("sets up and builds without printing WARN", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-fresh-"));
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: root })
      .toString("utf8")
      .split("\0")
      .filter((f) => f !== "" && existsSync(path.join(root, f)));
    execFileSync("tar", ["-cf", path.join(dir, "src.tar"), "--null", "-T", "-"], {
      cwd: root,
      input: files.join("\0"),
    });
    const copy = path.join(dir, "kiroku");
    await mkdir(copy);
    execFileSync("tar", ["-xf", path.join(dir, "src.tar"), "-C", copy]);
    const tools = path.join(root, ".kiroku/tools");
    if (existsSync(tools)) {
      await mkdir(path.join(copy, ".kiroku"), { recursive: true });
      await symlink(tools, path.join(copy, ".kiroku/tools"));
    }
    const child = spawn(path.join(copy, "setup.sh"), [], {
      cwd: copy,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code, output.slice(-3000)).toBe(0);
    expect(output).toMatch(/Set up\. Next:/);
    expect(output.split("\n").filter((l) => /\bWARN\b/.test(l))).toEqual([]);
  }, 600_000);
});
