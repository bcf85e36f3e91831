import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote (JSON log lines), for assertions and failure messages. */
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Runs `pnpm api` as a real process, from source (`node --import tsx
 * api/src/cli.ts`: one process, so signals reach it directly), on a free
 * port, and resolves once it logs "api listening". `built: true` runs the
 * bundle `pnpm build` made (`api/dist/cli.js`), as `pnpm api` does, for
 * memory figures without the TypeScript loader's share.
 */
export async function startApiProcess(
  env: Record<string, string>,
  opts: { built?: boolean } = {},
): Promise<ApiProcess> {
  const args = opts.built
    ? [path.join(root, "api/dist/cli.js")]
    : ["--import", "tsx", path.join(root, "api/src/cli.ts")];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`api did not start within 30 s:\n${out}`)),
      30_000,
    );
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"api listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`api exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
