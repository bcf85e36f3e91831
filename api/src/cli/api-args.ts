import { UsageError, wantsHelp } from "@kiroku/shared";
import pkg from "../../package.json" with { type: "json" };

/**
 * `pnpm api …` as data: serve (no arguments), the operator client
 * (`channels …`, parsed by channels/operator-args.ts), help or version.
 * Nothing here reads the environment: `pnpm api --help` works without a
 * bucket, and a typo never starts a server.
 */

/** What `pnpm api --version` prints. */
export const API_CLI_VERSION = `${pkg.name} ${pkg.version}`;

export const API_USAGE = `Usage: pnpm api                      serve the API (configured from the environment)
       pnpm api channels <command>   the operator client: \`pnpm api channels --help\`

Options:
  -h, --help   this text
  --version    print the API's version

Environment: S3_BUCKETNAME (required), API_TOKEN (at least 16 characters) or
PUBLIC_PLAYBACK=true, SIGNING_SECRET, PORT (default 8080), HOST, SEGMENT_URLS
(presigned | public | proxy), S3_HOSTING_URL, LIVE_WINDOW, MAX_RANGE_HOURS, the
S3_* and AWS credential variables (README, "Configuration").
On SIGINT/SIGTERM the server stops accepting, finishes requests in flight
(up to 10 s) and exits 0; bad configuration exits 2 listing every problem.`;

/** What the API CLI was asked to do. */
export type ApiCommand =
  | { kind: "serve" }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  /** `pnpm api channels …`: the arguments after `channels`. */
  | { kind: "channels"; args: string[] };

/** Parses `pnpm api …` (argv after the script); a mistake is a UsageError naming it. */
export function parseApiArgs(argv: readonly string[]): ApiCommand {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: "serve" };
  if (first === "channels") return { kind: "channels", args: rest };
  if (first === "help" || wantsHelp(argv)) return { kind: "help", text: API_USAGE };
  if (first === "--version" && rest.length === 0) return { kind: "version", text: API_CLI_VERSION };
  const extra = first === "--version" ? rest[0]! : first;
  if (extra.startsWith("-")) {
    const option = extra.replace(/=.*$/, "");
    throw new UsageError("api", option.replace(/^-+/, ""), `unknown option ${option}`);
  }
  throw new UsageError("api", "command", `unknown command "${extra}"`);
}
