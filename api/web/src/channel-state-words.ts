/**
 * A channel's state as the page says it, from `GET /v1/channels/:ch/stat`:
 * one word (Live, Idle, Disabled, Error) and a sentence with the reason, the
 * last error, the recorder's clock and its upload backlog. Pure, so it is
 * tested without a browser.
 */
export interface ChannelStat {
  channel: string;
  state: "Live" | "Idle" | "Disabled";
  since?: string | null;
  reason?: string | null;
  heartbeatAge?: number | null;
  recorderState?: string | null;
  sourceState?: string | null;
  settingsStatus?: "enabled" | "disabled" | null;
  lastSegment?: { start: string; end: string } | null;
  uploadBacklog?: { segments: number; bytes: number } | null;
  lastError?: { at?: string; code?: string; message: string } | null;
  clock?: { synchronised: boolean; since?: string | null; held: number } | null;
}

export type StateWord = "Live" | "Idle" | "Disabled" | "Error";

/** Source states of a recorder that runs but cannot record. */
const FAILING = new Set(["source unavailable", "waiting for device", "restarting"]);

/** Live, Disabled, or, for a channel that is not recording, Error when its recorder is failing, else Idle. */
export function stateWord(stat: ChannelStat): StateWord {
  if (stat.state === "Live" || stat.state === "Disabled") return stat.state;
  const failing =
    stat.recorderState === "reconnecting" ||
    (stat.sourceState !== null && stat.sourceState !== undefined && FAILING.has(stat.sourceState));
  return failing ? "Error" : "Idle";
}

/** The sentence beside the word: why, what failed last, the clock and the backlog (the parts that apply). */
export function stateDetail(stat: ChannelStat, nowMs: number): string {
  const parts: string[] = [];
  if (stat.reason) parts.push(sentence(stat.reason));
  else if (stat.state === "Disabled") parts.push("Recording is switched off for this channel.");
  else if (stat.state === "Idle" && !stat.recorderState)
    parts.push("No recorder has reported for this channel.");
  if (stat.lastError && stat.state !== "Live") {
    const at = stat.lastError.at ? ` (${ago(Date.parse(stat.lastError.at), nowMs)})` : "";
    parts.push(`Last error${at}: ${sentence(stat.lastError.message)}`);
  }
  if (stat.clock && !stat.clock.synchronised)
    parts.push(
      `The recorder's clock is not synchronised yet${stat.clock.held ? `: ${stat.clock.held} segment(s) wait for it` : ""}.`,
    );
  const backlog = stat.uploadBacklog;
  if (backlog && backlog.segments > 0)
    parts.push(
      `${backlog.segments} segment(s) (${(backlog.bytes / 1e6).toFixed(1)} MB) wait to be uploaded.`,
    );
  if (stat.state !== "Live" && stat.lastSegment?.end)
    parts.push(`Last recording ended ${ago(Date.parse(stat.lastSegment.end), nowMs)}.`);
  return parts.join(" ");
}

function sentence(text: string): string {
  const t = text.trim();
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function ago(ms: number, nowMs: number): string {
  if (!Number.isFinite(ms)) return "at an unknown time";
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}
