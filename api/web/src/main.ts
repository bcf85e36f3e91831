import { ApiClient, ApiError } from "./api-client";
import { Moments } from "./moments";
import { Player } from "./player";
import {
  clockTime,
  durationLabel,
  isoWithOffset,
  localDay,
  localMidnight,
  zoneLabel,
} from "./time-format";
import { type Span, Timeline } from "./timeline";

/**
 * The web page: channels with their live state, a day timeline of recorded
 * spans, a player with the wall-clock time of the frame on screen, and range
 * actions (clip download, stored playlist, share link).
 */
interface ChannelSummary {
  name: string;
  description?: string;
  status?: "enabled" | "disabled";
  state?: "Live" | "Idle" | "Disabled";
}

const PLAY_AHEAD_MS = 3 * 3_600_000; // a click plays up to three hours on (a growing playlist near now)

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const api = new ApiClient();
const video = $<HTMLVideoElement>("video");
const message = $("message");
const clock = $("clock");
const mode = $("mode");
const dayInput = $<HTMLInputElement>("day");
const liveButton = $("live-button");
const rangeActions = $("range-actions");

let channel = new URLSearchParams(location.hash.slice(1)).get("channel") ?? "";
let spans: Span[] = [];
let selection: Span | undefined;
let viewRequest = 0;

const say = (text: string) => {
  message.textContent = text;
};
let live = false;
let liveRetry: ReturnType<typeof setTimeout> | undefined;
const player = new Player(video, api, (text, status) => {
  // A channel that is not live yet (404 NOT_LIVE) is waited for, not given up on.
  if (live && status === 404) {
    say("Waiting for the camera's first segments…");
    clearTimeout(liveRetry);
    liveRetry = setTimeout(() => {
      if (live) goLive();
    }, 4_000);
    return;
  }
  say(text);
});

const timeline = new Timeline($("timeline"), {
  onSeek: (ms) => seek(ms),
  onSelect: (range) => select(range),
  onView: (view) => void loadRecordings(view),
});

const moments = new Moments({
  api,
  timelineEl: $("timeline"),
  clipButton: $("clip-button"),
  channel: () => channel,
  view: () => timeline.visible,
  selection: () => selection,
  say,
});

async function loadChannels(): Promise<void> {
  try {
    const body = await api.json<{ channels: ChannelSummary[] }>("GET", "/v1/channels");
    renderChannels(body.channels);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      say("This page needs the API token: press Token (the demo prints a link that carries it).");
    } else {
      say(`Channels unavailable: ${(err as Error).message}`);
    }
    renderChannels(channel ? [{ name: channel }] : []);
  }
}

function renderChannels(list: ChannelSummary[]): void {
  const nav = $("channels");
  nav.replaceChildren(
    ...list.map((ch) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "channel";
      button.dataset.channel = ch.name;
      button.dataset.state = ch.state ?? "";
      button.setAttribute("aria-current", String(ch.name === channel));
      const dot = document.createElement("span");
      dot.className = `dot ${ch.state === "Live" ? "live" : ch.state === "Disabled" ? "disabled" : ""}`;
      button.append(dot, ` ${ch.name}`);
      button.title = [ch.description, ch.state].filter(Boolean).join(" · ");
      button.addEventListener("click", () => selectChannel(ch.name));
      return button;
    }),
  );
}

function selectChannel(name: string): void {
  if (name === channel && spans.length > 0) return;
  channel = name;
  history.replaceState(null, "", `#channel=${encodeURIComponent(name)}`);
  for (const b of document.querySelectorAll<HTMLElement>(".channel")) {
    b.setAttribute("aria-current", String(b.dataset.channel === name));
  }
  select(undefined);
  timeline.showDay(dayOf(dayInput.value));
  goLive();
}

function dayOf(value: string): Span {
  const startMs = localMidnight(value);
  // Midnight to midnight in local time (23 or 25 hours on DST days).
  const next = new Date(startMs);
  next.setDate(next.getDate() + 1);
  return { startMs, endMs: next.getTime() };
}

async function loadRecordings(view: Span): Promise<void> {
  if (!channel) return;
  const request = ++viewRequest;
  try {
    const body = await api.json<{ spans: Array<{ start: string; end: string }> }>(
      "GET",
      api.url(`/v1/channels/${channel}/recordings`, {
        start: isoWithOffset(view.startMs),
        end: isoWithOffset(view.endMs),
      }),
    );
    if (request !== viewRequest) return; // a newer view was asked for meanwhile
    spans = body.spans.map((s) => ({ startMs: Date.parse(s.start), endMs: Date.parse(s.end) }));
    timeline.setSpans(spans);
    void moments.refresh(view);
  } catch (err) {
    if (request === viewRequest) say(`Timeline unavailable: ${(err as Error).message}`);
  }
}

/** Plays from `ms`, or from the next recording when `ms` falls in a gap. */
function seek(ms: number): void {
  if (!channel) return;
  const inside = spans.find((s) => ms >= s.startMs && ms < s.endMs);
  const next = inside ? ms : spans.find((s) => s.startMs > ms)?.startMs;
  if (next === undefined) {
    say(`Nothing recorded after ${clockTime(ms)} in this view.`);
    return;
  }
  say(inside ? "" : `Nothing recorded at ${clockTime(ms)}: playing from ${clockTime(next)}.`);
  mode.textContent = `Playback from ${clockTime(next)}`;
  live = false;
  clearTimeout(liveRetry);
  liveButton.classList.remove("active");
  const url = api.url(`/v1/channels/${channel}/vod.m3u8`, {
    start: isoWithOffset(next),
    end: isoWithOffset(next + PLAY_AHEAD_MS),
  });
  timeline.setCursor(next);
  player.play(url);
}

function goLive(): void {
  if (!channel) return;
  say("");
  live = true;
  mode.textContent = "Live";
  liveButton.classList.add("active");
  player.play(api.url(`/v1/channels/${channel}/live.m3u8`));
}

function select(range: Span | undefined): void {
  selection = range;
  rangeActions.hidden = !range;
  if (!range) {
    timeline.clearSelection();
    return;
  }
  $("range-label").textContent =
    `${clockTime(range.startMs)} – ${clockTime(range.endMs)} (${durationLabel(range.endMs - range.startMs)})`;
}

/**
 * The browser downloads the clip itself, streamed to disk whatever its
 * length (a phone could not hold an hour of video in memory). With a token
 * the API signs a clip URL for five minutes (a header cannot go with a
 * download); a public API links the clip as it is. A HEAD first surfaces
 * "nothing recorded" or "too large" here rather than as a failed download.
 */
async function downloadClip(): Promise<void> {
  if (!selection) return;
  const range = { start: isoWithOffset(selection.startMs), end: isoWithOffset(selection.endMs) };
  say("Preparing the clip…");
  try {
    const href = api.token
      ? api.url(
          (
            await api.json<{ path: string }>("POST", `/v1/channels/${channel}/sessions`, {
              mode: "clip",
              ...range,
              expiresIn: 300,
            })
          ).path,
        )
      : api.url(`/v1/channels/${channel}/clip.ts`, range);
    const head = await fetch(href, { method: "HEAD" });
    if (!head.ok) throw new Error(await clipError(href, head));
    const name =
      /filename="([^"]+)"/.exec(head.headers.get("Content-Disposition") ?? "")?.[1] ??
      `${channel}.ts`;
    const link = document.createElement("a");
    link.href = href;
    link.download = name;
    link.click();
    const bytes = Number(head.headers.get("Content-Length"));
    say(`Downloading ${name}${bytes > 0 ? ` (${(bytes / 1e6).toFixed(1)} MB)` : ""}.`);
  } catch (err) {
    say(`Clip failed: ${(err as Error).message}`);
  }
}

/** The API's own words for a clip it refused at HEAD (a HEAD answer has no body to carry them). */
async function clipError(href: string, head: Response): Promise<string> {
  const res = await fetch(href, { headers: api.headers() }).catch(() => undefined);
  if (res && !res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { message?: string } }
      | undefined;
    if (body?.error?.message) return body.error.message;
  }
  await res?.body?.cancel().catch(() => undefined); // never read a clip that came through after all
  return `${head.status} ${head.statusText}`.trim();
}

async function storePlaylist(): Promise<void> {
  if (!selection) return;
  const suggested = `${channel}-${localDay(selection.startMs)}-${clockTime(selection.startMs).replaceAll(":", "")}`;
  const name = prompt("Name of the stored playlist (letters, digits, - _ .)", suggested);
  if (!name) return;
  try {
    const body = await api.json<{ name: string; url?: string; key?: string }>(
      "POST",
      `/v1/channels/${channel}/vod-playlists`,
      { name, start: isoWithOffset(selection.startMs), end: isoWithOffset(selection.endMs) },
    );
    say(
      `Stored playlist ${body.name}${body.url ? `: ${body.url}` : body.key ? ` at ${body.key}` : ""}.`,
    );
  } catch (err) {
    say(`Could not store the playlist: ${(err as Error).message}`);
  }
}

async function copyShareLink(): Promise<void> {
  if (!selection) return;
  try {
    const body = await api.json<{ url: string; expiresAt?: string }>(
      "POST",
      `/v1/channels/${channel}/sessions`,
      {
        mode: "range",
        start: isoWithOffset(selection.startMs),
        end: isoWithOffset(selection.endMs),
        expiresIn: 3600,
      },
    );
    await navigator.clipboard?.writeText(body.url).catch(() => undefined);
    say(`Share link (valid 1 h): ${body.url}`);
  } catch (err) {
    say(`Could not make a share link: ${(err as Error).message}`);
  }
}

function tick(): void {
  const ms = player.playingDateMs;
  clock.textContent = ms === undefined ? "--:--:--" : clockTime(ms);
  clock.title = ms === undefined ? "" : new Date(ms).toISOString();
  if (ms !== undefined) timeline.setCursor(ms);
}

function wire(): void {
  const today = localDay(Date.now());
  dayInput.value = today;
  $("zone").textContent = zoneLabel(Date.now());
  const shiftDay = (days: number) => {
    const d = new Date(localMidnight(dayInput.value));
    d.setDate(d.getDate() + days);
    dayInput.value = localDay(d.getTime());
    timeline.showDay(dayOf(dayInput.value));
  };
  dayInput.addEventListener("change", () => timeline.showDay(dayOf(dayInput.value)));
  $("day-prev").addEventListener("click", () => shiftDay(-1));
  $("day-next").addEventListener("click", () => shiftDay(1));
  $("zoom-in").addEventListener("click", () => timeline.zoom(0.5));
  $("zoom-out").addEventListener("click", () => timeline.zoom(2));
  liveButton.addEventListener("click", goLive);
  $("clip-button").addEventListener("click", () => void downloadClip());
  $("store-button").addEventListener("click", () => void storePlaylist());
  $("share-button").addEventListener("click", () => void copyShareLink());
  $("range-clear").addEventListener("click", () => select(undefined));
  const dialog = $<HTMLDialogElement>("token-dialog");
  $("token-button").addEventListener("click", () => {
    $<HTMLInputElement>("token-input").value = api.token ?? "";
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") {
      api.token = $<HTMLInputElement>("token-input").value.trim() || undefined;
      say("");
      void loadChannels();
    }
  });
  setInterval(tick, 250);
  // Channel states and today's timeline stay current.
  setInterval(() => {
    void loadChannels();
    if (dayInput.value === localDay(Date.now())) void loadRecordings(timeline.visible);
  }, 10_000);
}

wire();
if (!Player.supported) say("This browser cannot play HLS through Media Source Extensions.");
timeline.showDay(dayOf(dayInput.value));
void loadChannels().then(() => {
  const first = channel || document.querySelector<HTMLElement>(".channel")?.dataset.channel;
  if (first) selectChannel(first);
});
