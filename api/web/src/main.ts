import { type ActivityBar, type ActivityBucket, activityBars, summaryFor } from "./activity-strip";
import { ApiClient, ApiError } from "./api-client";
import { CameraWall, type WallChannel } from "./camera-wall";
import { ChannelStatePanel } from "./channel-state";
import { stateDetail } from "./channel-state-words";
import { KeyboardHelp } from "./keyboard-help";
import { Messages, type Severity } from "./messages";
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
import { OPENING_LOOKBACK_MS, openingView } from "./timeline-view";

/**
 * The web page: channels with their state, a player with the wall-clock time
 * of the frame on screen, a timeline of recorded spans, range actions (clip
 * download, stored playlist, share link), and the camera wall (every channel
 * at once). Each part lives in its own module; this file wires them.
 */
interface ChannelSummary extends WallChannel {
  status?: "enabled" | "disabled";
  lastSegmentTime?: string | null;
}

const PLAY_AHEAD_MS = 3 * 3_600_000; // a click plays up to three hours on (a growing playlist near now)
const LIVE_RETRY_MS = 10_000; // the channel says Live but its live window is not there yet

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const api = new ApiClient();
const video = $<HTMLVideoElement>("video");
const messages = new Messages($("message"));
const clock = $("clock");
const mode = $("mode");
const dayInput = $<HTMLInputElement>("day");
const liveButton = $("live-button");
const rangeActions = $("range-actions");
const offline = $("offline");

const fragment = new URLSearchParams(location.hash.slice(1));
let channel = fragment.get("channel") ?? "";
let channels: ChannelSummary[] = [];
let spans: Span[] = [];
let selection: Span | undefined;
let viewRequest = 0;
/** The viewer asked for live (the Live button, or a channel just opened). */
let wantLive = false;
let playingLive = false;
let liveRetry: ReturnType<typeof setTimeout> | undefined;

const say = (text: string, severity: Severity = "info") => messages.say(text, severity);

const player = new Player(video, api, (text, status) => {
  if (wantLive && playingLive) {
    // The live window went away (a recorder paused or stopped): ask `stat`,
    // never poll live.m3u8; retry only while the channel still says Live.
    playingLive = false;
    state.refresh();
    clearTimeout(liveRetry);
    liveRetry = setTimeout(() => {
      if (wantLive && state.state === "Live") startLive();
    }, LIVE_RETRY_MS);
    if (status === 404) {
      showOffline("Waiting", "Waiting for the camera's first segments…");
      return;
    }
  }
  say(text, status === 401 || status === 403 ? "error" : "warning");
});

const state = new ChannelStatePanel($("channel-state"), api, {
  say,
  onState: (name, word, stat) => {
    const listed = channels.find((c) => c.name === name);
    if (listed) {
      listed.state = word === "Error" ? "Idle" : word;
      renderChannels(channels);
    }
    if (!wantLive || name !== channel) return;
    if (word === "Live") {
      if (!playingLive) startLive();
    } else {
      stopLive();
      showOffline(word, stateDetail(stat, Date.now()));
    }
  },
  onUnreadable: (name, text) => {
    if (name === channel && wantLive && !playingLive) showOffline("Unknown", text);
  },
  onRead: (name, word, stat) => {
    if (name === channel && !offline.hidden && word !== "Live")
      showOffline(word, stateDetail(stat, Date.now()));
  },
});

const timeline = new Timeline($("timeline"), {
  onSeek: (ms) => seek(ms),
  onSelect: (range) => select(range),
  onView: (view) => {
    // The day of the view's last instant (its end is exclusive: a whole day ends at the next midnight).
    dayInput.value = localDay(Math.min(view.endMs - 1, Date.now()));
    moments.place(view);
    void loadRecordings(view);
  },
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

const wall = new CameraWall($("wall"), api, { onOpen: (name) => openChannel(name) });

async function loadChannels(): Promise<void> {
  try {
    const body = await api.json<{ channels: ChannelSummary[] }>("GET", "/v1/channels");
    channels = body.channels;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      say(
        "This page needs the API token: press Token (the demo prints a link that carries it).",
        "error",
      );
    } else {
      say(`Channels unavailable: ${(err as Error).message}`, "error");
    }
    if (channels.length === 0 && channel) channels = [{ name: channel }];
  }
  renderChannels(channels);
  wall.update(channels);
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
      button.setAttribute("aria-current", String(ch.name === channel && !wall.visible));
      const dot = document.createElement("span");
      dot.className = `dot ${ch.state === "Live" ? "live" : ch.state === "Disabled" ? "disabled" : ""}`;
      dot.setAttribute("aria-hidden", "true");
      const word = document.createElement("span");
      word.className = "channel-word";
      word.textContent = ch.state ?? "";
      button.append(dot, ch.name, word);
      button.title = [ch.description, ch.state].filter(Boolean).join(" · ");
      button.setAttribute("aria-label", `${ch.name}${ch.state ? `, ${ch.state}` : ""}`);
      button.addEventListener("click", () => openChannel(ch.name));
      return button;
    }),
  );
}

/** Shows one channel (leaving the wall): its state, live when it is live, the timeline of its last hours. */
function openChannel(name: string): void {
  showWall(false);
  if (name === channel && spans.length > 0 && state.state !== undefined) return;
  channel = name;
  history.replaceState(null, "", `#channel=${encodeURIComponent(name)}`);
  renderChannels(channels);
  select(undefined);
  spans = [];
  state.watch(name);
  goLive();
  void openTimeline(name);
}

/** Opens the timeline on the last hours that hold recordings, now at the right edge. */
async function openTimeline(name: string): Promise<void> {
  const now = Date.now();
  // A day chosen or a zoom made while the recordings were on their way stays.
  const moved = () => timeline.lastMovedMs >= now;
  let recent: Span[] = [];
  try {
    ({ spans: recent } = await fetchRecordings(name, {
      startMs: now - OPENING_LOOKBACK_MS,
      endMs: now,
    }));
  } catch {
    // shown by the timeline's own load below
  }
  if (name !== channel || moved()) return;
  const last = channels.find((c) => c.name === name)?.lastSegmentTime;
  timeline.show(openingView(recent, Date.now(), last ? Date.parse(last) : undefined));
}

function dayOf(value: string): Span {
  const startMs = localMidnight(value);
  // Midnight to midnight in local time (23 or 25 hours on DST days).
  const next = new Date(startMs);
  next.setDate(next.getDate() + 1);
  return { startMs, endMs: next.getTime() };
}

interface Recordings {
  spans: Span[];
  activity: ActivityBar[];
}

async function fetchRecordings(name: string, view: Span): Promise<Recordings> {
  const body = await api.json<{
    spans: Array<{ start: string; end: string }>;
    summary?: { buckets: Array<{ start: string; end: string } & Pick<ActivityBucket, "activity">> };
  }>(
    "GET",
    api.url(`/v1/channels/${name}/recordings`, {
      start: isoWithOffset(view.startMs),
      end: isoWithOffset(view.endMs),
      // Buckets for the activity strip (an hour summary also lets a view span a month).
      summary: summaryFor(view.endMs - view.startMs),
    }),
  );
  const time = (s: { start: string; end: string }) => ({
    startMs: Date.parse(s.start),
    endMs: Date.parse(s.end),
  });
  return {
    spans: body.spans.map(time),
    activity: activityBars(
      (body.summary?.buckets ?? []).map((b) => ({ ...time(b), activity: b.activity })),
    ),
  };
}

async function loadRecordings(view: Span): Promise<void> {
  if (!channel) return;
  const request = ++viewRequest;
  try {
    const got = await fetchRecordings(channel, view);
    if (request !== viewRequest) return; // a newer view was asked for meanwhile
    spans = got.spans;
    timeline.setSpans(spans, got.activity);
    void moments.refresh(view);
  } catch (err) {
    if (request === viewRequest) say(`Timeline unavailable: ${(err as Error).message}`, "error");
  }
}

/** Plays from `ms`, or from the next recording when `ms` falls in a gap. */
function seek(ms: number): void {
  if (!channel) return;
  const inside = spans.find((s) => ms >= s.startMs && ms < s.endMs);
  const next = inside ? ms : spans.find((s) => s.startMs > ms)?.startMs;
  if (next === undefined) {
    say(`Nothing recorded after ${clockTime(ms)} in this view.`, "warning");
    return;
  }
  if (inside) messages.clear();
  else say(`Nothing recorded at ${clockTime(ms)}: playing from ${clockTime(next)}.`, "info");
  mode.textContent = `Playback from ${clockTime(next)}`;
  wantLive = false;
  stopLive();
  hideOffline();
  liveButton.classList.remove("active");
  const url = api.url(`/v1/channels/${channel}/vod.m3u8`, {
    start: isoWithOffset(next),
    end: isoWithOffset(next + PLAY_AHEAD_MS),
  });
  timeline.setCursor(next);
  player.play(url);
}

/** Live is wanted: plays once the channel's state says Live (the state panel tells). */
function goLive(): void {
  if (!channel) return;
  messages.clear();
  wantLive = true;
  mode.textContent = "Live";
  liveButton.classList.add("active");
  if (state.state === "Live") startLive();
  else {
    player.stop();
    showOffline(state.state ?? "…", state.state ? "" : "Reading the channel's state…");
    state.refresh();
  }
}

function startLive(): void {
  clearTimeout(liveRetry);
  hideOffline();
  playingLive = true;
  player.play(api.url(`/v1/channels/${channel}/live.m3u8`));
}

function stopLive(): void {
  clearTimeout(liveRetry);
  if (playingLive) player.stop();
  playingLive = false;
}

function showOffline(word: string, text: string): void {
  $("offline-word").textContent = word;
  $("offline-text").textContent = text;
  offline.hidden = false;
}

function hideOffline(): void {
  offline.hidden = true;
}

function showWall(on: boolean): void {
  if (on === wall.visible) return;
  const button = $("wall-button");
  button.setAttribute("aria-pressed", String(on));
  $("channel-view").hidden = on;
  if (on) {
    wantLive = false;
    stopLive();
    player.stop();
    state.watch("");
    history.replaceState(null, "", "#view=wall");
    wall.show(channels);
  } else {
    wall.hide();
    if (channel) state.watch(channel);
  }
  renderChannels(channels);
}

function select(range: Span | undefined): void {
  selection = range;
  rangeActions.hidden = !range;
  $("share-field").hidden = true;
  if (!range) {
    timeline.clearSelection();
    return;
  }
  $("range-label").textContent =
    `${clockTime(range.startMs).slice(0, 5)}–${clockTime(range.endMs).slice(0, 5)} · ${durationLabel(range.endMs - range.startMs)}`;
  $("range-label").title = `${isoWithOffset(range.startMs)} – ${isoWithOffset(range.endMs)}`;
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
    say(`Clip failed: ${(err as Error).message}`, "error");
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
    say(`Could not store the playlist: ${(err as Error).message}`, "error");
  }
}

/** A signed link to the selected range, valid an hour, in a compact field with a Copy button. */
async function makeShareLink(): Promise<void> {
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
    const input = $<HTMLInputElement>("share-url");
    input.value = body.url;
    $("share-field").hidden = false;
    input.focus();
    input.select();
    await copyShareLink();
  } catch (err) {
    say(`Could not make a share link: ${(err as Error).message}`, "error");
  }
}

async function copyShareLink(): Promise<void> {
  const url = $<HTMLInputElement>("share-url").value;
  if (!url) return;
  const copied = await navigator.clipboard?.writeText(url).then(
    () => true,
    () => false,
  );
  say(
    copied
      ? "Share link copied (valid 1 h)."
      : "Share link ready (valid 1 h): copy it from the field.",
  );
}

function tick(): void {
  const ms = player.playingDateMs;
  clock.textContent = ms === undefined ? "--:--:--" : clockTime(ms);
  clock.title = ms === undefined ? "" : new Date(ms).toISOString();
  if (ms !== undefined) timeline.setCursor(ms);
}

function wire(): void {
  dayInput.value = localDay(Date.now());
  $("zone").textContent = zoneLabel(Date.now());
  const shiftDay = (days: number) => {
    const d = new Date(localMidnight(dayInput.value));
    d.setDate(d.getDate() + days);
    timeline.choose(dayOf(localDay(d.getTime())));
  };
  dayInput.addEventListener("change", () => {
    if (dayInput.value) timeline.choose(dayOf(dayInput.value));
  });
  $("day-prev").addEventListener("click", () => shiftDay(-1));
  $("day-next").addEventListener("click", () => shiftDay(1));
  $("zoom-in").addEventListener("click", () => timeline.zoom(0.5));
  $("zoom-out").addEventListener("click", () => timeline.zoom(2));
  liveButton.addEventListener("click", goLive);
  $("wall-button").addEventListener("click", () => {
    if (wall.visible) {
      if (channel) openChannel(channel);
      else showWall(false);
    } else showWall(true);
  });
  $("clip-button").addEventListener("click", () => void downloadClip());
  $("store-button").addEventListener("click", () => void storePlaylist());
  $("share-button").addEventListener("click", () => void makeShareLink());
  $("share-copy").addEventListener("click", () => void copyShareLink());
  $("range-clear").addEventListener("click", () => select(undefined));
  const dialog = $<HTMLDialogElement>("token-dialog");
  $("token-button").addEventListener("click", () => {
    $<HTMLInputElement>("token-input").value = api.token ?? "";
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") {
      api.token = $<HTMLInputElement>("token-input").value.trim() || undefined;
      messages.clear();
      void loadChannels();
      state.refresh();
    }
  });
  const help: KeyboardHelp = new KeyboardHelp($<HTMLDialogElement>("help-dialog"), [
    { keys: ["?"], label: "?", does: "this help", run: (): void => help.open() },
    {
      keys: [" ", "k"],
      label: "Space / K",
      does: "play or pause",
      run: () => (video.paused ? void video.play().catch(() => {}) : video.pause()),
    },
    { keys: ["l", "L"], label: "L", does: "live", run: () => goLive() },
    {
      keys: ["w", "W"],
      label: "W",
      does: "camera wall (every channel) or back to the channel",
      run: () => $("wall-button").click(),
    },
    {
      keys: ["t", "T"],
      label: "T",
      does: "move the focus to the timeline",
      run: () => $("timeline").focus(),
    },
    { keys: ["+", "="], label: "+", does: "zoom the timeline in", run: () => timeline.zoom(0.5) },
    { keys: ["-"], label: "−", does: "zoom the timeline out", run: () => timeline.zoom(2) },
    {
      keys: ["ArrowLeft"],
      label: "←",
      does: "move the timeline back",
      run: () => timeline.pan(-0.1),
    },
    {
      keys: ["ArrowRight"],
      label: "→",
      does: "move the timeline on",
      run: () => timeline.pan(0.1),
    },
    {
      keys: ["Escape"],
      label: "Esc",
      does: "clear the selection, close a dialog",
      run: () => select(undefined),
    },
  ]);
  $("help-button").addEventListener("click", () => help.open());
  setInterval(tick, 250);
  // Channel states and the timeline near now stay current.
  setInterval(() => {
    void loadChannels();
    if (wall.visible) return;
    timeline.follow(Date.now()); // loads the recordings of the view when it slides
    if (timeline.visible.endMs > Date.now() - 60_000) void loadRecordings(timeline.visible);
  }, 10_000);
}

wire();
if (!Player.supported)
  say("This browser cannot play HLS through Media Source Extensions.", "error");
void loadChannels().then(() => {
  if (fragment.get("view") === "wall") {
    showWall(true);
    return;
  }
  const first = channel || channels[0]?.name;
  if (first) openChannel(first);
  else
    say(
      "No channels yet: start a recorder (pnpm recorder run) or create one with pnpm api channels put.",
      "info",
    );
});
