import { ConfigError, createLogger } from "@kiroku/shared";
import { appFromEnv } from "./bootstrap";
import { runOperatorCli } from "./channels/operator-cli";
import { startNodeServer } from "./node";

/**
 * `pnpm api`: the API on Node, configured from the environment (`pnpm api
 * channels …` is the operator client instead: see operator-cli.ts). Exits 2 with
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

// `pnpm api channels …` is the operator client (HTTP to a running API); anything else serves.
const [subcommand, ...rest] = process.argv.slice(2);
const started =
  subcommand === "channels"
    ? runOperatorCli(rest, process.env).then((code) => process.exit(code))
    : main();
started.catch((err) => {
  process.stderr.write(
    `kiroku api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
