import { isChannelName, ValidationError } from "@kiroku/shared";

/**
 * `pnpm api channels …`: the operator's terminal client for the channel
 * endpoints. It talks HTTP to a running API (KIROKU_API_URL, default
 * http://127.0.0.1:8080) with the API_TOKEN bearer, so it works the same
 * against a Pi on the LAN, a Node server or a Lambda Function URL. The token
 * comes from the environment only: a flag would land in shell history.
 */
export const OPERATOR_USAGE = `Usage: pnpm api channels <command> [options]

  list                                      channels with their live state
  get CH                                    settings and stat of a channel
  put CH [--description T] [--live-window N] [--status enabled|disabled]
                                            create, or change only the given settings
  enable CH | disable CH                    switch recording on or off
  delete CH [--purge]                       remove settings, status and history;
                                            --purge also deletes every recording
  stat CH                                   Live | Idle | Disabled and what the recorder reports
  history CH [--limit N]                    latest recording runs (default 10, at most 100)
  sessions CH --mode live|range|clip [--start T --end T] [--expires-in S]
                                            a signed playback URL (300..43200 s, default 3600)
  playlists CH                              stored VOD playlists
  playlists CH create NAME --start T --end T [--overwrite]
  playlists CH get NAME                     the stored playlist (m3u8)
  delete-recordings CH --start T --end T    delete the segments entirely inside a range

Times: ISO 8601 with an offset (2026-11-22T19:30:00+09:00) or epoch seconds.
Options: --json (print the API's JSON as is), --url URL (instead of KIROKU_API_URL).
Environment: KIROKU_API_URL (default http://127.0.0.1:8080), API_TOKEN (required for writes).`;

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

/** One HTTP call the CLI makes, and how to print its answer. */
export interface OperatorRequest {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
  /** How to print a success. */
  view: "channels" | "stat" | "history" | "json" | "text" | "playlists";
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

/** Parses `channels …` arguments (after `channels`) into one request; usage errors name the argument. */
export function parseOperatorArgs(argv: readonly string[]): OperatorCommand {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const takesValue = new Set([
    "description",
    "live-window",
    "status",
    "limit",
    "mode",
    "start",
    "end",
    "expires-in",
    "url",
  ]);
  const known = new Set([...takesValue, "purge", "overwrite", "json", "help"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.has(name)) throw usage(name, `unknown option --${name}`);
    if (takesValue.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw usage(name, `--${name} needs a value`);
      flags.set(name, value);
    } else {
      if (eq !== -1) throw usage(name, `--${name} takes no value`);
      flags.set(name, true);
    }
  }
  const str = (name: string) => {
    const v = flags.get(name);
    return typeof v === "string" ? v : undefined;
  };
  const int = (name: string) => {
    const v = str(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw usage(name, `--${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
  const [command, channel, ...rest] = positional;
  if (flags.has("help") || command === undefined || command === "help") {
    throw usage("command", OPERATOR_USAGE, "USAGE");
  }
  const needChannel = () => {
    if (channel === undefined) throw usage("channel", `${command} needs a channel name`);
    if (!isChannelName(channel)) {
      throw usage(
        "channel",
        `"${channel}" is not a valid channel name: 1 to 64 of a-z, 0-9, "_" and "-"`,
      );
    }
    return `/v1/channels/${channel}`;
  };
  const noMore = (allowed = 0) => {
    if (rest.length > allowed) throw usage("arguments", `unexpected argument "${rest[allowed]}"`);
  };
  const range = () => {
    const start = str("start");
    const end = str("end");
    if (start === undefined) throw usage("start", "--start is required");
    if (end === undefined) throw usage("end", "--end is required");
    return { start, end };
  };
  const json = flags.get("json") === true;
  const url = str("url");
  const done = (request: OperatorRequest): OperatorCommand => ({
    request,
    json,
    ...(url ? { url } : {}),
  });
  switch (command) {
    case "list":
      if (channel !== undefined) throw usage("arguments", `unexpected argument "${channel}"`);
      return done({ method: "GET", path: "/v1/channels", view: "channels" });
    case "get":
      noMore();
      return done({ method: "GET", path: needChannel(), view: "json" });
    case "put": {
      const base = needChannel();
      noMore();
      const merge: Record<string, unknown> = {};
      if (str("description") !== undefined) merge.description = str("description");
      if (str("status") !== undefined) merge.status = str("status");
      if (str("live-window") !== undefined) merge.liveWindow = int("live-window");
      return done({ method: "PUT", path: base, view: "json", merge });
    }
    case "enable":
    case "disable":
      noMore();
      return done({
        method: "PUT",
        path: `${needChannel()}/status`,
        body: { status: `${command}d` },
        view: "json",
      });
    case "delete": {
      const base = needChannel();
      noMore();
      const purge = flags.get("purge") === true;
      return done({
        method: "DELETE",
        path: purge ? `${base}?purge=true` : base,
        view: "json",
        repeatUntilComplete: purge,
      });
    }
    case "stat":
      noMore();
      return done({ method: "GET", path: `${needChannel()}/stat`, view: "stat" });
    case "history": {
      const base = needChannel();
      noMore();
      const limit = str("limit");
      return done({
        method: "GET",
        path: `${base}/history${limit === undefined ? "" : `?limit=${encodeURIComponent(limit)}`}`,
        view: "history",
      });
    }
    case "sessions": {
      const base = needChannel();
      noMore();
      const mode = str("mode");
      if (mode === undefined) throw usage("mode", "--mode live|range|clip is required");
      const body: Record<string, unknown> = { mode };
      if (str("start") !== undefined) body.start = str("start");
      if (str("end") !== undefined) body.end = str("end");
      if (str("expires-in") !== undefined) body.expiresIn = int("expires-in");
      return done({ method: "POST", path: `${base}/sessions`, body, view: "json" });
    }
    case "playlists": {
      const base = `${needChannel()}/vod-playlists`;
      const [sub, name] = rest;
      if (sub === undefined || sub === "list") {
        noMore(sub === undefined ? 0 : 1);
        return done({ method: "GET", path: base, view: "playlists" });
      }
      if (name === undefined) throw usage("name", `playlists ${sub} needs a playlist name`);
      noMore(2);
      if (sub === "create") {
        const overwrite = flags.get("overwrite") === true;
        return done({
          method: "POST",
          path: overwrite ? `${base}?overwrite=true` : base,
          body: { name, ...range() },
          view: "json",
        });
      }
      if (sub === "get") {
        return done({ method: "GET", path: `${base}/${encodeURIComponent(name)}`, view: "text" });
      }
      throw usage("command", `unknown playlists command "${sub}": use list, create or get`);
    }
    case "delete-recordings": {
      const base = needChannel();
      noMore();
      const { start, end } = range();
      const q = new URLSearchParams({ start, end });
      return done({ method: "DELETE", path: `${base}/recordings?${q}`, view: "json" });
    }
    default:
      throw usage("command", `unknown command "${command}"\n\n${OPERATOR_USAGE}`);
  }
}

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
      io.err(`${err.message}\n(run \`pnpm api channels help\` for usage)`);
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
    io.out(cmd.json || request.view === "text" ? text.trimEnd() : render(request.view, text));
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

function usage(field: string, message: string, code = "INVALID_ARGUMENT"): ValidationError {
  return new ValidationError(field, message, code);
}

/** Human-readable views of the API's answers. */
export function render(view: OperatorRequest["view"], text: string): string {
  const data = JSON.parse(text) as Record<string, unknown>;
  switch (view) {
    case "channels": {
      const rows = (data.channels as Record<string, unknown>[]).map((c) => [
        String(c.name),
        String(c.state),
        String(c.status),
        c.hasRecordings ? "yes" : "no",
        String(c.description ?? ""),
      ]);
      return table(["NAME", "STATE", "STATUS", "RECORDINGS", "DESCRIPTION"], rows);
    }
    case "playlists": {
      const rows = (data.playlists as Record<string, unknown>[]).map((p) => [
        String(p.name),
        String(p.lastModified ?? ""),
        String(p.url ?? p.key),
      ]);
      return table(["NAME", "MODIFIED", "WHERE"], rows);
    }
    case "history": {
      const rows = (data.runs as Record<string, unknown>[]).map((r) => [
        String(r.run),
        String(r.start),
        String(r.end ?? "(running)"),
        String(r.endReason ?? ""),
        String(r.remoteAddress ?? r.source ?? ""),
      ]);
      return table(["RUN", "START", "END", "REASON", "SOURCE"], rows);
    }
    case "stat": {
      const lines: string[] = [];
      const add = (k: string, v: unknown) => {
        if (v !== null && v !== undefined) lines.push(`${`${k}:`.padEnd(16)}${v}`);
      };
      add("channel", data.channel);
      add("state", `${data.state}${data.since ? ` since ${data.since}` : ""}`);
      add("reason", data.reason);
      add("heartbeat", data.heartbeatAge === null ? null : `${data.heartbeatAge} s ago`);
      add("source", data.source);
      const v = data.video as Record<string, unknown> | null;
      if (v)
        add("video", `${v.codec} ${v.width}x${v.height} ${v.fps} fps ${v.bitrate ?? "?"} bit/s`);
      const a = data.audio as Record<string, unknown> | null;
      if (a) add("audio", `${a.codec} ${a.sampleRate} Hz`);
      add("last segment", data.lastSegmentTime);
      const q = data.uploadBacklog as Record<string, unknown> | null;
      if (q) add("upload backlog", `${q.segments} segments, ${q.bytes} bytes`);
      const e = data.lastError as Record<string, unknown> | null;
      if (e) add("last error", `${e.at} ${e.code ? `${e.code}: ` : ""}${e.message}`);
      return lines.join("\n");
    }
    default:
      return JSON.stringify(data, null, 2);
  }
}

function table(head: string[], rows: string[][]): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
