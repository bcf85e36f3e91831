import { parseArgs } from "node:util";
import { ValidationError } from "./errors";

/**
 * Command-line parsing shared by `pnpm recorder …` and `pnpm api …`, on
 * `node:util` `parseArgs` (no dependency). What it adds to parseArgs is the
 * user's side of a mistake: every usage error names the option or argument,
 * the command it was given to, and where the usage is
 * (`unknown option --bogus for "recorder run"; see pnpm recorder run --help`),
 * and `--help`/`-h` anywhere before `--` asks for help instead of failing on
 * whatever else is wrong.
 */

/** An option a command accepts (`--name VALUE` or `--name`). */
export interface CliOption {
  type: "string" | "boolean";
  short?: string;
}

/** One command (or subcommand) as the user types it. */
export interface CliCommandSpec {
  /** The words after `pnpm`: `recorder run`, `api channels stat`. */
  command: string;
  options: Record<string, CliOption>;
  /** How many positional arguments it takes at most (default 0). */
  maxPositionals?: number;
}

/** What the user asked for: help, or a parse of the arguments. */
export type CliParse =
  | { help: true }
  | {
      help: false;
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };

/**
 * A usage error: exit 2, the message printed as it is. `field` is the option
 * (without dashes) or argument that was wrong.
 */
export class UsageError extends ValidationError {
  /** The command the mistake was made in (`recorder run`). */
  readonly command: string;

  constructor(command: string, field: string, problem: string) {
    super(field, `${problem} for "${command}"; see pnpm ${command} --help`, "USAGE_ERROR");
    this.command = command;
  }
}

/** The exit status of a usage error (as in BSD's sysexits and most CLIs: 2). */
export const USAGE_EXIT_CODE = 2;

/** True when `argv` asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/**
 * Parses one command's arguments: unknown options, options missing their
 * value, values given to a flag and surplus arguments are UsageErrors naming
 * them. `--help`/`-h` win over any of those.
 */
export function parseCommandArgs(spec: CliCommandSpec, argv: readonly string[]): CliParse {
  if (wantsHelp(argv)) return { help: true };
  const { tokens, values, positionals } = parseArgs({
    args: [...argv],
    options: spec.options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = spec.options[token.name];
    const shown = token.rawName;
    // `-x` where only `--x` exists is unknown too: parseArgs names it "x" either way.
    if (!option || (!shown.startsWith("--") && option.short === undefined)) {
      throw new UsageError(spec.command, token.name, `unknown option ${shown}`);
    }
    if (option.type === "string") {
      // `--config --json`: parseArgs takes "--json" as the value; the user forgot one.
      const looksLikeOption =
        token.inlineValue === false && token.value !== undefined && /^-./.test(token.value);
      if (token.value === undefined || looksLikeOption) {
        throw new UsageError(spec.command, token.name, `missing the value of ${shown}`);
      }
    } else if (token.inlineValue) {
      throw new UsageError(spec.command, token.name, `${shown} takes no value`);
    }
  }
  const max = spec.maxPositionals ?? 0;
  if (positionals.length > max) {
    const extra = positionals[max]!;
    throw new UsageError(spec.command, "arguments", `unexpected argument "${extra}"`);
  }
  return {
    help: false,
    values: values as Record<string, string | boolean | undefined>,
    positionals,
  };
}
