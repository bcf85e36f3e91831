import { parseArgs } from "node:util";
import {
  type CliOption,
  isChannelName,
  parseCommandArgs,
  UsageError,
  ValidationError,
  wantsHelp,
} from "@kiroku/shared";
import type { OperatorView } from "./operator-render";

/**
 * `pnpm api channels …` as data: argv (after `channels`) in, the one HTTP
 * call to make out. Each subcommand accepts only its own options (plus
 * `--json`, `--url`, `--help`); a mistake is a UsageError naming the option
 * or argument and the subcommand. Help is thrown as a ValidationError with
 * code `USAGE` whose message is the text to print (exit 0).
 */

const str: CliOption = { type: "string" };
const flag: CliOption = { type: "boolean" };
/** Options every subcommand takes. */
const COMMON: Record<string, CliOption> = {
  help: { type: "boolean", short: "h" },
  json: flag,
  url: str,
};

interface Subcommand {
  /** Lines of the usage: what to type, and what it does (when it fits beside it or below). */
  lines: [synopsis: string, summary?: string][];
  options: Record<string, CliOption>;
  /** Positional arguments after the subcommand's name. */
  maxPositionals: number;
}

/** Every subcommand, in the order the usage lists them. */
const SUBCOMMANDS: Record<string, Subcommand> = {
  list: { lines: [["list", "channels with their live state"]], options: {}, maxPositionals: 0 },
  get: { lines: [["get CH", "settings and stat of a channel"]], options: {}, maxPositionals: 1 },
  put: {
    lines: [
      [
        "put CH [--description T] [--live-window N] [--status enabled|disabled]",
        "create, or change only the given settings",
      ],
    ],
    options: { description: str, "live-window": str, status: str },
    maxPositionals: 1,
  },
  enable: { lines: [["enable CH", "switch recording on"]], options: {}, maxPositionals: 1 },
  disable: { lines: [["disable CH", "switch recording off"]], options: {}, maxPositionals: 1 },
  delete: {
    lines: [
      [
        "delete CH [--purge]",
        "remove settings, status and history;\n--purge also deletes every recording",
      ],
    ],
    options: { purge: flag },
    maxPositionals: 1,
  },
  stat: {
    lines: [["stat CH", "Live | Idle | Disabled and what the recorder reports"]],
    options: {},
    maxPositionals: 1,
  },
  history: {
    lines: [["history CH [--limit N]", "latest recording runs (default 10, at most 100)"]],
    options: { limit: str },
    maxPositionals: 1,
  },
  sessions: {
    lines: [
      [
        "sessions CH --mode live|range|clip [--start T --end T] [--expires-in S]",
        "a signed playback URL (300..43200 s, default 3600)",
      ],
    ],
    options: { mode: str, start: str, end: str, "expires-in": str },
    maxPositionals: 1,
  },
  playlists: {
    lines: [
      ["playlists CH", "stored VOD playlists"],
      ["playlists CH create NAME --start T --end T [--overwrite]"],
      ["playlists CH get NAME", "the stored playlist (m3u8)"],
    ],
    options: { start: str, end: str, overwrite: flag },
    maxPositionals: 3,
  },
  "delete-recordings": {
    lines: [
      ["delete-recordings CH --start T --end T", "delete the segments entirely inside a range"],
    ],
    options: { start: str, end: str },
    maxPositionals: 1,
  },
};

const FOOTER = `Times: ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds.
Options: --json (print the API's JSON as is), --url URL (instead of KIROKU_API_URL), -h/--help.
Environment: KIROKU_API_URL (default http://127.0.0.1:8080), API_TOKEN (required for writes).`;

function usageLines(sub: Subcommand): string[] {
  const out: string[] = [];
  const column = 44;
  for (const [synopsis, summary] of sub.lines) {
    const notes = summary?.split("\n") ?? [];
    if (notes.length > 0 && synopsis.length + 2 <= column - 4) {
      out.push(`  ${synopsis.padEnd(column - 2)}${notes.shift()}`);
    } else out.push(`  ${synopsis}`);
    for (const note of notes) out.push(`${" ".repeat(column)}${note}`);
  }
  return out;
}

/** `pnpm api channels --help`. */
export const OPERATOR_USAGE = `Usage: pnpm api channels <command> [options]

${Object.values(SUBCOMMANDS).flatMap(usageLines).join("\n")}

${FOOTER}`;

/** `pnpm api channels NAME --help`. */
export function subcommandUsage(name: string): string {
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!sub) return OPERATOR_USAGE;
  return `Usage: pnpm api channels ${sub.lines[0]![0]}\n\n${usageLines(sub).join("\n")}\n\n${FOOTER}`;
}

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

/** One HTTP call the CLI makes, and how to print its answer. */
export interface OperatorRequest {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
  /** How to print a success. */
  view: OperatorView;
  /** `put`: read the current settings first and change only the given fields. */
  merge?: Record<string, unknown>;
  /** `delete --purge`: repeat while the API says `complete: false`. */
  repeatUntilComplete?: boolean;
}

export interface OperatorCommand {
  request: OperatorRequest;
  json: boolean;
  url?: string;
}

/** Every option any subcommand takes: used only to find the subcommand's name among the arguments. */
const ALL_OPTIONS: Record<string, CliOption> = Object.assign(
  {},
  COMMON,
  ...Object.values(SUBCOMMANDS).map((s) => s.options),
);

/** Parses `channels …` arguments (after `channels`) into one request; usage errors name the argument. */
export function parseOperatorArgs(argv: readonly string[]): OperatorCommand {
  // The subcommand is the first positional (options may come before it).
  const { tokens } = parseArgs({
    args: [...argv],
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === "positional");
  const command = first?.kind === "positional" ? first.value : undefined;
  if (command === undefined || command === "help") {
    if (command === undefined && !wantsHelp(argv)) {
      // Options without a command: still check them, so a typo is named.
      parseCommandArgs({ command: "api channels", options: COMMON }, argv);
    }
    throw new ValidationError("command", OPERATOR_USAGE, "USAGE");
  }
  const sub = Object.hasOwn(SUBCOMMANDS, command) ? SUBCOMMANDS[command] : undefined;
  if (!sub) {
    if (wantsHelp(argv)) throw new ValidationError("command", OPERATOR_USAGE, "USAGE");
    throw new UsageError("api channels", "command", `unknown command "${command}"`);
  }
  const name = `api channels ${command}`;
  const at = first!.index;
  const parsed = parseCommandArgs(
    { command: name, options: { ...COMMON, ...sub.options }, maxPositionals: sub.maxPositionals },
    [...argv.slice(0, at), ...argv.slice(at + 1)],
  );
  if (parsed.help) throw new ValidationError("command", subcommandUsage(command), "USAGE");
  const values = parsed.values;
  const usage = (field: string, problem: string) => new UsageError(name, field, problem);
  const str = (key: string) => {
    const v = values[key];
    return typeof v === "string" ? v : undefined;
  };
  const int = (key: string) => {
    const v = str(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw usage(key, `--${key} must be a whole number, got "${v}"`);
    return Number(v);
  };
  const [channel, ...rest] = parsed.positionals;
  const needChannel = () => {
    if (channel === undefined) throw usage("channel", "a channel name is required");
    if (!isChannelName(channel)) {
      throw usage(
        "channel",
        `"${channel}" is not a valid channel name: 1 to 64 of a-z, 0-9, "_" and "-"`,
      );
    }
    return `/v1/channels/${channel}`;
  };
  const noMore = (allowed: number) => {
    if (rest.length > allowed) throw usage("arguments", `unexpected argument "${rest[allowed]}"`);
  };
  const range = () => {
    const start = str("start");
    const end = str("end");
    if (start === undefined) throw usage("start", "--start is required");
    if (end === undefined) throw usage("end", "--end is required");
    return { start, end };
  };
  const url = str("url");
  const done = (request: OperatorRequest): OperatorCommand => ({
    request,
    json: values.json === true,
    ...(url ? { url } : {}),
  });
  switch (command) {
    case "list":
      return done({ method: "GET", path: "/v1/channels", view: "channels" });
    case "get":
      return done({ method: "GET", path: needChannel(), view: "channel" });
    case "put": {
      const base = needChannel();
      const merge: Record<string, unknown> = {};
      if (str("description") !== undefined) merge.description = str("description");
      if (str("status") !== undefined) merge.status = str("status");
      if (str("live-window") !== undefined) merge.liveWindow = int("live-window");
      return done({ method: "PUT", path: base, view: "settings", merge });
    }
    case "enable":
    case "disable":
      return done({
        method: "PUT",
        path: `${needChannel()}/status`,
        body: { status: `${command}d` },
        view: "settings",
      });
    case "delete": {
      const base = needChannel();
      const purge = values.purge === true;
      return done({
        method: "DELETE",
        path: purge ? `${base}?purge=true` : base,
        view: "deleted-channel",
        repeatUntilComplete: purge,
      });
    }
    case "stat":
      return done({ method: "GET", path: `${needChannel()}/stat`, view: "stat" });
    case "history": {
      const base = needChannel();
      const limit = str("limit");
      return done({
        method: "GET",
        path: `${base}/history${limit === undefined ? "" : `?limit=${encodeURIComponent(limit)}`}`,
        view: "history",
      });
    }
    case "sessions": {
      const base = needChannel();
      const mode = str("mode");
      if (mode === undefined) throw usage("mode", "--mode live|range|clip is required");
      const body: Record<string, unknown> = { mode };
      if (str("start") !== undefined) body.start = str("start");
      if (str("end") !== undefined) body.end = str("end");
      if (str("expires-in") !== undefined) body.expiresIn = int("expires-in");
      return done({ method: "POST", path: `${base}/sessions`, body, view: "session" });
    }
    case "playlists": {
      const base = `${needChannel()}/vod-playlists`;
      const [action, playlist] = rest;
      if (action === undefined || action === "list") {
        noMore(action === undefined ? 0 : 1);
        return done({ method: "GET", path: base, view: "playlists" });
      }
      if (action !== "create" && action !== "get") {
        throw usage("command", `unknown playlists command "${action}": use list, create or get`);
      }
      if (playlist === undefined) throw usage("name", `playlists ${action} needs a playlist name`);
      if (action === "create") {
        const overwrite = values.overwrite === true;
        return done({
          method: "POST",
          path: overwrite ? `${base}?overwrite=true` : base,
          body: { name: playlist, ...range() },
          view: "stored-playlist",
        });
      }
      return done({ method: "GET", path: `${base}/${encodeURIComponent(playlist)}`, view: "text" });
    }
    case "delete-recordings": {
      const base = needChannel();
      const { start, end } = range();
      const q = new URLSearchParams({ start, end });
      return done({
        method: "DELETE",
        path: `${base}/recordings?${q}`,
        view: "deleted-recordings",
      });
    }
    default:
      throw new Error(`operator CLI: subcommand "${command}" has no handler`);
  }
}
