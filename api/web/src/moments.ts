import type { ApiClient } from "./api-client";
import { clockTime, isoWithOffset } from "./time-format";
import type { Span } from "./timeline";

/**
 * Finding moments on the page: a filmstrip of thumbnails under the timeline
 * once the view is two hours or less, a preview of the image nearest the
 * pointer (mouse hover, or a finger dragging on the timeline) with its
 * time, and "Download MP4" beside "Download clip". It only reads the
 * timeline's element and view; clicks on the timeline still play from there.
 *
 * The filmstrip keeps its row at every zoom (a note stands in for the
 * thumbnails when the view is wider than two hours or has none): were it to
 * appear and vanish, the timeline would jump under the pointer as the wheel
 * crosses two hours. It is the same width as the timeline and shares its
 * time axis, so the wheel, a click or a drag on it act on the timeline, and
 * hovering it previews too. The preview lets every pointer event through.
 */
export interface MomentsOptions {
  api: ApiClient;
  timelineEl: HTMLElement;
  /** The range actions bar: "Download MP4" goes after its clip button. */
  clipButton: HTMLElement;
  channel: () => string;
  view: () => Span;
  selection: () => Span | undefined;
  say: (text: string) => void;
}

/** The filmstrip shows from this view width down. */
export const FILMSTRIP_MAX_VIEW_MS = 2 * 3_600_000;
/** About one tile per this many pixels of timeline. */
const TILE_PX = 96;
/** The preview's width before it has been shown once (its image is 160 px). */
const PREVIEW_PX = 172;
const WIDE_NOTE = "Zoom in to 2 h or less for thumbnails";
const NONE_NOTE = "No thumbnails in this view";

interface Image {
  timeMs: number;
  url: string;
}

export class Moments {
  private readonly strip: HTMLElement;
  private readonly preview: HTMLElement;
  private readonly previewImg: HTMLImageElement;
  private readonly previewTime: HTMLElement;
  private images: Image[] = [];
  private request = 0;
  private hoverTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly blobs = new Map<number, string>();

  constructor(private readonly opts: MomentsOptions) {
    this.strip = document.createElement("div");
    this.strip.className = "filmstrip";
    this.strip.setAttribute("aria-hidden", "true"); // the timeline is the control; these are pictures of it
    opts.timelineEl.after(this.strip);
    this.note(WIDE_NOTE);
    this.preview = document.createElement("div");
    this.preview.className = "moment-preview";
    this.preview.hidden = true;
    this.previewImg = document.createElement("img");
    this.previewImg.alt = "";
    this.previewTime = document.createElement("span");
    this.preview.append(this.previewImg, this.previewTime);
    opts.timelineEl.parentElement?.append(this.preview);
    for (const el of [opts.timelineEl, this.strip]) {
      el.addEventListener("pointermove", (e) => this.hover(e));
      el.addEventListener("pointerleave", () => this.hide());
      el.addEventListener("pointerup", (e) => {
        if (e.pointerType !== "mouse") this.hide();
      });
    }
    // The timeline handles what starts on the filmstrip: a press (it then
    // captures the pointer, so the drag and the release reach it) and the wheel.
    this.strip.addEventListener("pointerdown", (e) => {
      opts.timelineEl.dispatchEvent(new PointerEvent("pointerdown", e));
    });
    this.strip.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        opts.timelineEl.dispatchEvent(new WheelEvent("wheel", e));
      },
      { passive: false },
    );
    const mp4 = document.createElement("button");
    mp4.type = "button";
    mp4.id = "mp4-button";
    mp4.textContent = "Download MP4";
    mp4.addEventListener("click", () => void this.downloadMp4());
    opts.clipButton.after(mp4);
  }

  /** The view changed (or its recordings were reloaded): refresh the filmstrip. */
  async refresh(view: Span): Promise<void> {
    const channel = this.opts.channel();
    const width = view.endMs - view.startMs;
    const request = ++this.request;
    if (!channel || width > FILMSTRIP_MAX_VIEW_MS) {
      this.images = [];
      this.note(WIDE_NOTE);
      return;
    }
    const tiles = Math.max(2, Math.floor(this.opts.timelineEl.clientWidth / TILE_PX));
    try {
      const body = await this.opts.api.json<{ images: { time: string; url: string }[] }>(
        "GET",
        this.opts.api.url(`/v1/channels/${channel}/images`, {
          start: isoWithOffset(view.startMs),
          end: isoWithOffset(view.endMs),
          every: Math.max(1, Math.round(width / tiles / 1000)),
          limit: tiles + 1,
        }),
      );
      if (request !== this.request) return;
      this.images = body.images.map((i) => ({
        timeMs: Date.parse(i.time),
        url: this.opts.api.url(i.url),
      }));
      this.draw(view);
    } catch {
      if (request === this.request) {
        this.images = [];
        this.note(NONE_NOTE); // no thumbnails (or none readable): the row says so
      }
    }
  }

  /**
   * The view moved: the thumbnails already there move with it at once (the
   * new ones follow when `refresh` has them), so the strip never lags the
   * timeline it sits under.
   */
  place(view: Span): void {
    const width = view.endMs - view.startMs;
    if (width > FILMSTRIP_MAX_VIEW_MS) return;
    for (const img of this.strip.querySelectorAll("img")) {
      img.style.left = `${((Number(img.dataset.time) - view.startMs) / width) * 100}%`;
    }
  }

  private note(text: string): void {
    const note = document.createElement("span");
    note.className = "filmstrip-note";
    note.textContent = text;
    this.strip.replaceChildren(note);
  }

  private draw(view: Span): void {
    const width = view.endMs - view.startMs;
    this.strip.replaceChildren(
      ...this.images.map((image) => {
        const img = document.createElement("img");
        img.src = image.url;
        img.loading = "lazy";
        img.alt = clockTime(image.timeMs);
        img.title = clockTime(image.timeMs);
        img.dataset.time = String(image.timeMs);
        img.style.left = `${((image.timeMs - view.startMs) / width) * 100}%`;
        return img;
      }),
    );
    if (this.images.length === 0) this.note(NONE_NOTE);
  }

  private hover(e: PointerEvent): void {
    // A mouse hovers; a finger or pen previews only while it is down (dragging along).
    if (e.pointerType !== "mouse" && e.buttons === 0) return;
    const rect = this.opts.timelineEl.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width);
    const view = this.opts.view();
    const ms = view.startMs + (x / rect.width) * (view.endMs - view.startMs);
    // Centred over the pointer, but whole on screen near either end.
    const panel = this.opts.timelineEl.offsetParent?.getBoundingClientRect() ?? rect;
    const half = (this.preview.offsetWidth || PREVIEW_PX) / 2;
    const left = rect.left + x - panel.left;
    this.preview.style.left = `${Math.min(Math.max(left, half), panel.width - half)}px`;
    clearTimeout(this.hoverTimer);
    this.hoverTimer = setTimeout(() => void this.show(ms), 80);
  }

  /** Shows the image nearest at or before `ms` (image.jpg: the one of the segment playing then). */
  private async show(ms: number): Promise<void> {
    const channel = this.opts.channel();
    if (!channel) return;
    const res = await fetch(
      this.opts.api.url(`/v1/channels/${channel}/image.jpg`, { at: Math.round(ms) }),
      { headers: this.opts.api.headers() },
    ).catch(() => undefined);
    if (!res?.ok) {
      await res?.body?.cancel().catch(() => undefined);
      this.hide();
      return;
    }
    const timeMs = Date.parse(res.headers.get("X-Kiroku-Image-Time") ?? "") || ms;
    let src = this.blobs.get(timeMs);
    if (src) await res.body?.cancel().catch(() => undefined);
    else {
      src = URL.createObjectURL(await res.blob());
      this.blobs.set(timeMs, src);
    }
    this.previewImg.src = src;
    this.previewImg.dataset.time = String(timeMs);
    this.previewTime.textContent = clockTime(timeMs);
    this.preview.hidden = false;
  }

  private hide(): void {
    clearTimeout(this.hoverTimer);
    this.preview.hidden = true;
  }

  /** Like "Download clip", as MP4: a signed clip session's URL opens clip.mp4 too. */
  private async downloadMp4(): Promise<void> {
    const selection = this.opts.selection();
    const channel = this.opts.channel();
    if (!selection || !channel) return;
    const { api, say } = this.opts;
    const range = { start: isoWithOffset(selection.startMs), end: isoWithOffset(selection.endMs) };
    say("Preparing the MP4…");
    try {
      const href = api.token
        ? api.url(
            (
              await api.json<{ path: string }>("POST", `/v1/channels/${channel}/sessions`, {
                mode: "clip",
                ...range,
                expiresIn: 300,
              })
            ).path.replace("/clip.ts?", "/clip.mp4?"),
          )
        : api.url(`/v1/channels/${channel}/clip.mp4`, range);
      const head = await fetch(href, { method: "HEAD" });
      if (!head.ok) throw new Error(`${head.status} ${head.statusText}`.trim());
      const name =
        /filename="([^"]+)"/.exec(head.headers.get("Content-Disposition") ?? "")?.[1] ??
        `${channel}.mp4`;
      const link = document.createElement("a");
      link.href = href;
      link.download = name;
      link.click();
      say(`Downloading ${name}.`);
    } catch (err) {
      say(`MP4 failed: ${(err as Error).message}`);
    }
  }
}
