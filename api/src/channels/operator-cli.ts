import { UsageError, ValidationError } from "@kiroku/shared";
import {
  DEFAULT_API_URL,
  OPERATOR_USAGE,
  type OperatorCommand,
  parseOperatorArgs,
} from "./operator-args";
import { render } from "./operator-render";

export type { OperatorCommand, OperatorRequest } from "./operator-args";
export { DEFAULT_API_URL, OPERATOR_USAGE, parseOperatorArgs } from "./operator-args";
export { render } from "./operator-render";

/**
 * `pnpm api channels …`: the operator's terminal client for the channel
 * endpoints. It talks HTTP to a running API (KIROKU_API_URL, default
 * http://127.0.0.1:8080) with the API_TOKEN bearer, so it works the same
 * against a Pi on the LAN, a Node server or a Lambda Function URL. The token
 * comes from the environment only: a flag would land in shell history.
 * Arguments are parsed in operator-args.ts.
 */
export interface OperatorIo {
  fetch: typeof fetch;
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Runs one operator command; returns the exit code (0 done, 1 the API
 * refused or could not be reached, 2 bad usage).
 */
export async function runOperatorCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: OperatorIo = {
    fetch,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  },
): Promise<number> {
  let cmd: OperatorCommand;
  try {
    cmd = parseOperatorArgs(argv);
  } catch (err) {
    if (err instanceof ValidationError) {
      if (err.code === "USAGE") {
        io.out(err.message);
        return 0;
      }
      // An unknown subcommand also gets the list of the known ones.
      const unknownCommand =
        err instanceof UsageError && err.command === "api channels" && err.field === "command";
      io.err(unknownCommand ? `${err.message}\n\n${OPERATOR_USAGE}` : err.message);
      return 2;
    }
    throw err;
  }
  const base = (cmd.url ?? env.KIROKU_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const token = env.API_TOKEN?.trim();
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await io.fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new CliFailure(
        `cannot reach the API at ${base} (${cause}): start it with \`pnpm api\`, or set KIROKU_API_URL`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 500);
      try {
        const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
        detail = `${e.code}: ${e.message}`;
      } catch {}
      const hint = res.status === 401 && !token ? " (set API_TOKEN to the API's token)" : "";
      throw new CliFailure(`${method} ${path} failed with ${res.status} ${detail}${hint}`);
    }
    return text;
  };
  try {
    const { request } = cmd;
    let body = request.body;
    if (request.merge) {
      // Change only the given settings: read the current ones (none: defaults).
      let current: Record<string, unknown> = {};
      try {
        const got = JSON.parse(await call("GET", request.path)) as {
          settings?: Record<string, unknown> | null;
        };
        current = got.settings ?? {};
      } catch (err) {
        if (!(err instanceof CliFailure && / 404 /.test(err.message))) throw err;
      }
      body = {
        description: current.description ?? "",
        status: current.status ?? "enabled",
        ...(typeof current.liveWindow === "number" ? { liveWindow: current.liveWindow } : {}),
        ...request.merge,
      };
    }
    let text = await call(request.method, request.path, body);
    if (request.repeatUntilComplete) {
      const total = JSON.parse(text) as {
        deleted: { recordings: number; metadata: number };
        complete: boolean;
      };
      for (let i = 0; !total.complete && i < 10_000; i++) {
        const next = JSON.parse(await call(request.method, request.path)) as typeof total;
        total.deleted.recordings += next.deleted.recordings;
        total.deleted.metadata += next.deleted.metadata;
        total.complete = next.complete;
      }
      text = JSON.stringify(total);
    }
    io.out(cmd.json ? text.trimEnd() : render(request.view, text));
    return 0;
  } catch (err) {
    if (err instanceof CliFailure) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

class CliFailure extends Error {}
