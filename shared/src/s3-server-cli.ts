/**
 * `pnpm s3`: the embedded S3 server as a command, for the demo and for running
 * the recorder and the API locally without AWS. Data is kept in `--dir`
 * across runs. Bundled to shared/dist/s3-server-cli.js; runs on import.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { isBucketName } from "./config";
import { type S3Server, startS3Server } from "./s3-server";

const USAGE = `Usage: pnpm s3 [--dir DIR] [--port N] [--host ADDRESS] [--bucket NAME]

Runs an S3-compatible server on local disk (the embedded test/demo store).

  --dir DIR       data folder (default .kiroku/s3)
  --port N        TCP port, 0 for any free one (default $S3_PORT or 9000)
  --host ADDRESS  address to listen on (default 127.0.0.1; it accepts
                  anonymous requests, so think before exposing it)
  --bucket NAME   bucket to create if missing, with browser CORS
                  (default $S3_BUCKETNAME or kiroku)
  -h, --help      show this help
`;

class UsageError extends Error {}

interface CliOptions {
  dir: string;
  port: number;
  host: string;
  bucket: string;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions | "help" {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";

  const portSource =
    values.port !== undefined
      ? { name: "--port", raw: values.port }
      : env.S3_PORT
        ? { name: "S3_PORT", raw: env.S3_PORT }
        : { name: "--port", raw: "9000" };
  const port = /^\d{1,5}$/.test(portSource.raw.trim()) ? Number(portSource.raw) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new UsageError(
      `${portSource.name} must be a port number from 0 to 65535 (0 = any free port), got "${portSource.raw}"`,
    );
  }

  const bucketSource =
    values.bucket !== undefined
      ? { name: "--bucket", raw: values.bucket }
      : { name: "S3_BUCKETNAME", raw: env.S3_BUCKETNAME || "kiroku" };
  if (!isBucketName(bucketSource.raw)) {
    throw new UsageError(
      `${bucketSource.name} must be a valid bucket name (3-63 of a-z, 0-9, "." and "-", starting and ending with a letter or digit), got "${bucketSource.raw}"`,
    );
  }

  const host = values.host ?? "127.0.0.1";
  if (!host) throw new UsageError("--host must not be empty");
  const dir = values.dir ?? ".kiroku/s3";
  if (!dir) throw new UsageError("--dir must not be empty");

  return { dir: path.resolve(dir), port, host, bucket: bucketSource.raw };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      dir: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      bucket: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function listenErrorMessage(err: NodeJS.ErrnoException, opts: CliOptions): string | undefined {
  if (err.code === "EADDRINUSE") {
    return (
      `port ${opts.port} on ${opts.host} is already in use (another \`pnpm s3\`, MinIO or the demo?). ` +
      `Stop that process, or pick another port: --port N or S3_PORT=N (--port 0 takes any free port).`
    );
  }
  if (err.code === "EACCES") {
    return `not allowed to listen on port ${opts.port} on ${opts.host} (ports below 1024 need privileges); pick another with --port N or S3_PORT=N.`;
  }
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
    return `cannot listen on --host ${opts.host}: no such address on this machine (${err.code}).`;
  }
  return undefined;
}

function printBanner(server: S3Server, bucket: string): void {
  const { accessKeyId, secretAccessKey } = server.credentials;
  const env = [
    `S3_ENDPOINT=${server.endpoint}`,
    `S3_BUCKETNAME=${bucket}`,
    `AWS_ACCESS_KEY_ID=${accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
  ];
  process.stdout.write(
    [
      "Embedded S3 server is running.",
      `  endpoint     ${server.endpoint}`,
      `  bucket       ${bucket}`,
      `  data         ${server.dir}`,
      `  credentials  access key ${accessKeyId}, secret ${secretAccessKey}`,
      "",
      "Environment for the recorder, the API or the AWS CLI (path-style is the default for S3_ENDPOINT):",
      ...env.map((line) => `  ${line}`),
      `  # one line: export ${env.join(" ")}`,
      "",
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
}

async function main(): Promise<number> {
  let opts: CliOptions | "help";
  try {
    opts = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`pnpm s3: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === "help") {
    process.stdout.write(USAGE);
    return 0;
  }

  let server: S3Server;
  try {
    server = await startS3Server({
      dir: opts.dir,
      port: opts.port,
      host: opts.host,
      bucket: opts.bucket,
      silent: true,
    });
  } catch (err) {
    const message = listenErrorMessage(err as NodeJS.ErrnoException, opts);
    process.stderr.write(`pnpm s3: ${message ?? (err as Error).message}\n`);
    return 1;
  }
  printBanner(server, opts.bucket);

  return new Promise<number>(() => {
    let firstSignalMs: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalMs !== undefined) {
        // A terminal's Ctrl-C reaches pnpm and this process at once, and pnpm
        // passes it on: a repeat within a second is that same Ctrl-C.
        if (Date.now() - firstSignalMs < 1_000) return;
        process.stderr.write(`pnpm s3: ${signal} again, exiting without waiting\n`);
        process.exit(1);
      }
      firstSignalMs = Date.now();
      process.stdout.write(`pnpm s3: ${signal}, stopping\n`);
      // Exit as soon as the server has stopped: a signal that came during
      // the process's own wind-down would otherwise end it by that signal.
      server.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`pnpm s3: error while stopping: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pnpm s3: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
