import { ConfigError, createLogger, USAGE_EXIT_CODE, UsageError } from "@kiroku/shared";
import { appFromEnv } from "./bootstrap";
import { runOperatorCli } from "./channels/operator-cli";
import { type ApiCommand, parseApiArgs } from "./cli/api-args";
import { startNodeServer } from "./node";

/**
 * `pnpm api`: the API on Node, configured from the environment (`pnpm api
 * channels …` is the operator client instead: see operator-cli.ts; `--help`
 * and `--version` read no configuration: see cli/api-args.ts). Exits 2 with
 * every configuration problem listed; on SIGINT/SIGTERM stops accepting,
 * finishes requests in flight (up to 10 s), then exits 0.
 */
async function main(): Promise<void> {
  const logger = createLogger("api");
  let boot: ReturnType<typeof appFromEnv>;
  try {
    boot = appFromEnv(process.env, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startNodeServer(boot.app, {
    port: boot.config.port,
    host: boot.config.host,
  });
  logger.info({ url: server.url, host: boot.config.host, port: server.port }, "api listening");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "api stopping");
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/**
 * Runs what the arguments ask for (cli/api-args.ts). Resolves with the exit
 * code, or undefined while the server keeps running.
 */
async function dispatch(argv: string[]): Promise<number | undefined> {
  let command: ApiCommand;
  try {
    command = parseApiArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return USAGE_EXIT_CODE;
  }
  switch (command.kind) {
    case "help":
    case "version":
      process.stdout.write(`${command.text}\n`);
      return 0;
    case "channels":
      return runOperatorCli(command.args, process.env);
    case "serve":
      await main();
      return undefined;
  }
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err) => {
    process.stderr.write(
      `kiroku api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  },
);
