/**
 * Human-readable views of the API's answers for `pnpm api channels …`, one
 * per kind of answer; `--json` prints the answer as the API gave it instead
 * (for scripts). Each view takes the parsed JSON and returns lines of text.
 */
export type OperatorView =
  | "channels"
  | "channel"
  | "settings"
  | "stat"
  | "history"
  | "session"
  | "playlists"
  | "stored-playlist"
  | "deleted-channel"
  | "deleted-recordings"
  | "text";

type Json = Record<string, unknown>;

/** Renders `text` (the API's JSON answer) as the view asks; `text` views print as they are. */
export function render(view: OperatorView, text: string): string {
  if (view === "text") return text.trimEnd();
  const data = JSON.parse(text) as Json;
  switch (view) {
    case "channels":
      return channelsTable(data);
    case "channel":
      return [...settingsLines(data), "", statLines((data.stat as Json | null) ?? {})].join("\n");
    case "settings":
      return settingsLines(data).join("\n");
    case "stat":
      return statLines(data).join("\n");
    case "history":
      return historyTable(data);
    case "session":
      return fields([
        ["url", data.url],
        ["mode", data.mode],
        ["channel", data.channel],
        ["start", data.start],
        ["end", data.end],
        ["expires at", data.expiresAt],
      ]).join("\n");
    case "playlists": {
      const rows = (data.playlists as Json[]).map((p) => [
        String(p.name),
        String(p.lastModified ?? ""),
        String(p.url ?? p.key),
      ]);
      return table(["NAME", "MODIFIED", "WHERE"], rows);
    }
    case "stored-playlist":
      return fields([
        ["stored", data.name],
        ["channel", data.channel],
        ["start", data.start],
        ["end", data.end],
        ["segments", data.segments],
        ["url", data.url],
        ["key", data.key],
      ]).join("\n");
    case "deleted-channel": {
      const deleted = (data.deleted as { recordings: number; metadata: number }) ?? {};
      return [
        `channel ${data.channel} deleted: ${deleted.metadata} metadata object(s), ${deleted.recordings} recording object(s)`,
        ...(data.recordingsKept ? ["its recordings are kept (delete them too with --purge)"] : []),
        ...(data.complete === false ? ["not complete: run the command again"] : []),
        ...failures(data),
      ].join("\n");
    }
    case "deleted-recordings": {
      const kept = (data.kept as Json[] | undefined) ?? [];
      return [
        `deleted ${data.deleted} segment(s)${typeof data.bytes === "number" ? ` (${megabytes(data.bytes)})` : ""} of ${data.channel} from ${data.start} to ${data.end}`,
        ...kept.map(
          (k) => `kept ${k.start} – ${k.end}: it straddles the range edge (${String(k.key)})`,
        ),
        ...failures(data),
      ].join("\n");
    }
  }
}

function channelsTable(data: Json): string {
  const rows = (data.channels as Json[]).map((c) => [
    String(c.name),
    String(c.state),
    String(c.status),
    c.hasRecordings ? "yes" : "no",
    String(c.description ?? ""),
  ]);
  return table(["NAME", "STATE", "STATUS", "RECORDINGS", "DESCRIPTION"], rows);
}

function historyTable(data: Json): string {
  const rows = (data.runs as Json[]).map((r) => [
    String(r.run),
    String(r.start),
    String(r.end ?? "(running)"),
    String(r.endReason ?? ""),
    String(r.remoteAddress ?? r.source ?? ""),
  ]);
  return table(["RUN", "START", "END", "REASON", "SOURCE"], rows);
}

function settingsLines(data: Json): string[] {
  const window =
    data.liveWindow === null || data.liveWindow === undefined
      ? `${data.effectiveLiveWindow} segments (the API's default)`
      : `${data.liveWindow} segments`;
  return fields([
    ["channel", data.name],
    ["status", data.status],
    ["description", data.description === "" ? "(none)" : data.description],
    ["live window", window],
    ["state", data.state],
    [
      "recordings",
      data.hasRecordings === undefined ? undefined : data.hasRecordings ? "yes" : "no",
    ],
    ["updated", data.updatedAt],
  ]);
}

function statLines(data: Json): string[] {
  const v = data.video as Json | null | undefined;
  const a = data.audio as Json | null | undefined;
  const q = data.uploadBacklog as Json | null | undefined;
  const e = data.lastError as Json | null | undefined;
  return fields([
    ["channel", data.channel],
    ["state", data.state ? `${data.state}${data.since ? ` since ${data.since}` : ""}` : undefined],
    ["reason", data.reason],
    [
      "heartbeat",
      data.heartbeatAge === null || data.heartbeatAge === undefined
        ? undefined
        : `${data.heartbeatAge} s ago`,
    ],
    ["source", data.source],
    [
      "video",
      v ? `${v.codec} ${v.width}x${v.height} ${v.fps} fps ${v.bitrate ?? "?"} bit/s` : undefined,
    ],
    ["audio", a ? `${a.codec} ${a.sampleRate} Hz` : undefined],
    ["last segment", data.lastSegmentTime],
    ["upload backlog", q ? `${q.segments} segments, ${q.bytes} bytes` : undefined],
    ["last error", e ? `${e.at} ${e.code ? `${e.code}: ` : ""}${e.message}` : undefined],
  ]);
}

function failures(data: Json): string[] {
  const failed = (data.failed as Json[] | undefined) ?? [];
  if (failed.length === 0) return [];
  return [
    `${data.failedCount ?? failed.length} object(s) could not be deleted (run the command again):`,
    ...failed.slice(0, 10).map((f) => `  ${f.key}: ${f.code} ${f.message}`),
  ];
}

/** `key:  value` lines, aligned, leaving out what is absent. */
function fields(pairs: [string, unknown][]): string[] {
  return pairs
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${`${k}:`.padEnd(16)}${String(v)}`);
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`;
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
