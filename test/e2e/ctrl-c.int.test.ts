import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/ffmpeg-tools";
import { pnpmCommand } from "../helpers/pnpm";
import { startTestS3, type TestS3 } from "../helpers/s3";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group:
 * pnpm, the shell it runs the script with, and the service. The service
 * stops gracefully and exits 0, and pnpm reports no failure (no
 * "ELIFECYCLE Command failed").
 */
async function ctrlC(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const { command, prefix } = pnpmCommand();
  // A terminal's environment, not the test runner's: `pnpm vitest` (pnpm
  // exec) adds a relative ./node_modules/.bin to PATH and npm_* variables
  // with which the pnpm started below behaves unlike one typed in a shell.
  const PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((p) => path.isAbsolute(p))
    .join(path.delimiter);
  const terminal = Object.fromEntries(
    ["HOME", "USER", "LANG", "TERM", "TMPDIR", "XDG_DATA_HOME", "PNPM_HOME"]
      .filter((k) => process.env[k] !== undefined)
      .map((k) => [k, process.env[k]!]),
  );
  const child = spawn(command, [...prefix, ...args], {
    cwd: root,
    env: { ...terminal, PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, like a command typed in a terminal
  });
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  try {
    await waitFor(
      () => (ready.test(output) ? true : undefined),
      60_000,
      () => output,
      100,
    );
    process.kill(-child.pid!, "SIGINT");
    const result = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`did not stop within 20 s:\n${output}`)), 20_000),
      ),
    ]);
    return { ...result, output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  }
}

describe("Ctrl-C on the pnpm scripts", () => {
  let dir = "";
  let s3: TestS3;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-ctrl-c-"));
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it("pnpm s3 stops cleanly: exit 0, no ELIFECYCLE", async () => {
    const r = await ctrlC(
      ["s3", "--dir", path.join(dir, "s3"), "--port", "0"],
      {},
      /Stop with Ctrl-C/,
    );
    expect(r.output).not.toMatch(/ELIFECYCLE|Command failed/);
    expect(r).toMatchObject({ code: 0, signal: null });
  });

  it("pnpm api stops cleanly: exit 0, no ELIFECYCLE", async () => {
    const r = await ctrlC(
      ["api"],
      { ...s3.env, PORT: "0", HOST: "127.0.0.1", PUBLIC_PLAYBACK: "true", LOG_FORMAT: "json" },
      /api listening/,
    );
    expect(r.output).toMatch(/api stopping/);
    expect(r.output).not.toMatch(/ELIFECYCLE|Command failed/);
    expect(r).toMatchObject({ code: 0, signal: null });
  });
});
