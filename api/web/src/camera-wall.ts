import type { ApiClient } from "./api-client";
import { Player } from "./player";

export interface WallChannel {
  name: string;
  description?: string;
  state?: "Live" | "Idle" | "Disabled";
}

export interface CameraWallHandlers {
  /** A tile was chosen: show that channel's player and timeline. */
  onOpen(channel: string): void;
}

/**
 * Beyond this many live channels the wall plays only the first ones; the
 * rest show their state and open on click (each player decodes a stream:
 * a phone or a Pi's browser manages a handful, not dozens).
 */
export const MAX_WALL_PLAYERS = 9;

/** Small buffers: the wall shows what is happening now, not a smooth long buffer. */
const WALL_HLS = {
  maxBufferLength: 8,
  backBufferLength: 0,
  liveSyncDurationCount: 2,
} as const;

interface Tile {
  el: HTMLButtonElement;
  video: HTMLVideoElement;
  label: HTMLElement;
  player?: Player;
  retry?: ReturnType<typeof setTimeout>;
  state?: string;
}

/**
 * The camera wall: every channel in a grid, each live one playing its live
 * window muted in its own lightweight player; a click (or Enter) on a tile
 * opens that channel. Channels that are not live show their state and poll
 * nothing: the channel list the page refreshes anyway says when they are.
 */
export class CameraWall {
  private tiles = new Map<string, Tile>();
  private shown = false;

  constructor(
    private readonly el: HTMLElement,
    private readonly api: ApiClient,
    private readonly handlers: CameraWallHandlers,
  ) {}

  get visible(): boolean {
    return this.shown;
  }

  show(channels: WallChannel[]): void {
    this.shown = true;
    this.el.hidden = false;
    this.update(channels);
  }

  hide(): void {
    this.shown = false;
    this.el.hidden = true;
    for (const tile of this.tiles.values()) this.stopTile(tile);
    this.tiles.clear();
    this.el.replaceChildren();
  }

  /** Brings the tiles in line with the channel list (states change, channels come and go). */
  update(channels: WallChannel[]): void {
    if (!this.shown) return;
    const names = new Set(channels.map((c) => c.name));
    for (const [name, tile] of this.tiles) {
      if (!names.has(name)) {
        this.stopTile(tile);
        tile.el.remove();
        this.tiles.delete(name);
      }
    }
    // Columns for a near-square grid: 1, 2, 2, 2, 3, 3, 3, 3, 3, 4…
    this.el.style.setProperty("--wall-columns", String(Math.ceil(Math.sqrt(channels.length)) || 1));
    let players = 0;
    channels.forEach((ch, i) => {
      let tile = this.tiles.get(ch.name);
      if (!tile) {
        tile = this.makeTile(ch.name);
        this.tiles.set(ch.name, tile);
      }
      if (this.el.children[i] !== tile.el)
        this.el.insertBefore(tile.el, this.el.children[i] ?? null);
      const live = ch.state === "Live";
      const plays = (live || tile.player !== undefined) && players < MAX_WALL_PLAYERS;
      if (plays) players++;
      const state = ch.state ?? "Unknown";
      tile.el.dataset.state = state;
      tile.label.textContent = `${ch.name} · ${state}`;
      tile.el.setAttribute(
        "aria-label",
        `Open ${ch.name}${ch.description ? ` (${ch.description})` : ""}: ${state}`,
      );
      if (plays && !tile.player) this.startTile(ch.name, tile);
      // A tile that plays goes on until its live stream ends (its player
      // says so) or the channel is disabled: a late heartbeat that makes one
      // listing say Idle must not restart every picture.
      if (ch.state === "Disabled" && tile.player) this.stopTile(tile);
      tile.state = state;
    });
  }

  private makeTile(name: string): Tile {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "wall-tile";
    el.dataset.channel = name;
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "wall-label";
    el.append(video, label);
    el.addEventListener("click", () => this.handlers.onOpen(name));
    return { el, video, label };
  }

  private startTile(name: string, tile: Tile): void {
    const player = new Player(
      tile.video,
      this.api,
      () => {
        // Lost (a recorder paused, a network blip): try again a little later while still live.
        this.stopTile(tile);
        tile.retry = setTimeout(() => {
          if (this.shown && tile.state === "Live" && this.tiles.get(name) === tile)
            this.startTile(name, tile);
        }, 10_000);
      },
      WALL_HLS,
    );
    tile.player = player;
    player.play(this.api.url(`/v1/channels/${name}/live.m3u8`));
  }

  private stopTile(tile: Tile): void {
    clearTimeout(tile.retry);
    tile.player?.stop();
    tile.player = undefined;
    tile.video.removeAttribute("src");
    tile.video.load();
  }
}
