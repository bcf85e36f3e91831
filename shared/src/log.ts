import pino, { type Logger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/**
 * Structured logs: JSON lines for journald and log shippers, human-readable
 * when stdout is a terminal (or `LOG_FORMAT=pretty`). `LOG_LEVEL` sets the
 * level (default info). Secrets are never logged: credentials are redacted by
 * path as a second line of defence behind `redactUrl`. A `destination`
 * (anything with `write(line)`) receives the JSON lines instead of stdout:
 * a test reads what an in-process daemon logged.
 */
export function createLogger(
  name: string,
  env: Record<string, string | undefined> = process.env,
  destination?: { write(line: string): void },
): Logger {
  const options: LoggerOptions = {
    name,
    level: env.LOG_LEVEL ?? "info",
    redact: {
      paths: [
        "secretAccessKey",
        "*.secretAccessKey",
        "credentials",
        "*.credentials",
        "password",
        "*.password",
        "token",
        "*.token",
        "authorization",
        "*.authorization",
      ],
      censor: "***",
    },
  };
  if (destination) return pino(options, destination);
  const format = env.LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json");
  if (format === "pretty") {
    return pino(
      options,
      pretty({ colorize: process.stdout.isTTY, sync: true, ignore: "pid,hostname" }),
    );
  }
  return pino(options);
}

/** A logger that writes nothing, for tests and library callers that bring none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
