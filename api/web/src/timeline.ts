import type { ActivityBar } from "./activity-strip";
import { clockTime, localDay } from "./time-format";
import { panBy, type Span, zoomAround } from "./timeline-view";

export type { Span } from "./timeline-view";

export interface TimelineHandlers {
  /** A click: play from this instant. */
  onSeek(ms: number): void;
  /** A drag: a range was selected (or cleared with undefined). */
  onSelect(range: Span | undefined): void;
  /** The visible window moved or zoomed: load recordings for it. */
  onView(view: Span): void;
}

const DRAG_PX = 6; // a press that moves less is a click
const LABEL_PX = 40; // room a tick label needs: none closer than this to the right edge
const ACTIVITY_PX = 16; // height of the activity strip's tallest bar
const TICK_STEPS = [
  60_000,
  5 * 60_000,
  10 * 60_000,
  30 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
];

/**
 * A timeline drawn from recorded spans: recorded time in colour, gaps
 * empty, hour (or finer) ticks in the viewer's local time, and along its
 * bottom the activity strip (activity-strip.ts: taller and brighter where
 * the recording took more bytes than usual). Click to seek,
 * drag to select a range, wheel or the zoom buttons to zoom from a week to
 * two minutes (the time under the pointer, or the playhead, stays where it
 * is), shift-wheel or arrow keys to pan.
 */
export class Timeline {
  private view: Span;
  private spans: Span[] = [];
  private activity: ActivityBar[] = [];
  private cursorMs: number | undefined;
  private selection: Span | undefined;
  private press: { x: number; ms: number; dragging: boolean } | undefined;
  private nowEl: HTMLElement | undefined;
  private cursorEl: HTMLElement | undefined;
  /** When the viewer last zoomed, panned or chose a day (epoch ms). */
  private touchedAt = 0;

  constructor(
    private readonly el: HTMLElement,
    private readonly handlers: TimelineHandlers,
  ) {
    this.view = { startMs: Date.now() - 3_600_000, endMs: Date.now() };
    el.addEventListener("pointerdown", (e) => this.pointerDown(e));
    el.addEventListener("pointermove", (e) => this.pointerMove(e));
    el.addEventListener("pointerup", (e) => this.pointerUp(e));
    el.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    el.addEventListener("keydown", (e) => this.key(e));
    new ResizeObserver(() => this.draw()).observe(el);
  }

  /** Shows `view` (the opening view, …). */
  show(view: Span): void {
    this.setView(view);
  }

  /** Shows a view the viewer chose (a whole local day): it counts as their move. */
  choose(view: Span): void {
    this.touchedAt = Date.now();
    this.setView(view);
  }

  /** When the viewer last zoomed, panned or chose a view (epoch ms; 0: never). */
  get lastMovedMs(): number {
    return this.touchedAt;
  }

  /**
   * Keeps now at the right edge as time passes: a view that ends near now
   * (within a tenth of its width) slides along, unless the viewer moved it
   * in the last 15 s (a slide under the pointer would be a surprise).
   */
  follow(nowMs: number): void {
    const { startMs, endMs } = this.view;
    const width = endMs - startMs;
    if (nowMs - this.touchedAt < 15_000 || Math.abs(endMs - nowMs) > width * 0.1) return;
    const end = nowMs + width * 0.02;
    if (Math.abs(end - endMs) < width * 0.002) return;
    this.setView({ startMs: end - width, endMs: end });
  }

  get visible(): Span {
    return this.view;
  }

  /** The recorded spans and their activity bars (none: no strip). */
  setSpans(spans: Span[], activity: ActivityBar[] = []): void {
    this.spans = spans;
    this.activity = activity;
    this.draw();
  }

  /** Moves the playback cursor (4 times a second while playing): the markers only, no redraw. */
  setCursor(ms: number | undefined): void {
    this.cursorMs = ms;
    this.placeMarkers();
  }

  clearSelection(): void {
    this.selection = undefined;
    this.draw();
  }

  /**
   * Zooms by `factor` (< 1 zooms in) keeping `anchorMs` where it is on
   * screen: the time under the pointer for the wheel; for the buttons and
   * keys, what is playing, else now, else the middle.
   */
  zoom(factor: number, anchorMs?: number): void {
    const { startMs, endMs } = this.view;
    const now = Date.now();
    const nowInView = now >= startMs && now <= endMs ? now : undefined;
    const anchor = anchorMs ?? this.cursorInView() ?? nowInView ?? (startMs + endMs) / 2;
    this.touchedAt = Date.now();
    this.setView(zoomAround(this.view, factor, anchor));
  }

  pan(fraction: number): void {
    this.touchedAt = Date.now();
    this.setView(panBy(this.view, fraction));
  }

  /** The instant at a viewport x (for tests and tools that point at the timeline). */
  timeAt(clientX: number): number {
    return this.msAt(clientX);
  }

  private cursorInView(): number | undefined {
    const c = this.cursorMs;
    return c !== undefined && c >= this.view.startMs && c <= this.view.endMs ? c : undefined;
  }

  private setView(view: Span): void {
    this.view = { startMs: Math.round(view.startMs), endMs: Math.round(view.endMs) };
    this.el.dataset.viewStart = String(this.view.startMs);
    this.el.dataset.viewEnd = String(this.view.endMs);
    this.handlers.onView(this.view);
    this.draw();
  }

  private msAt(clientX: number): number {
    const rect = this.el.getBoundingClientRect();
    const x = Math.min(Math.max(clientX - rect.left, 0), rect.width);
    return this.view.startMs + (x / rect.width) * (this.view.endMs - this.view.startMs);
  }

  private pointerDown(e: PointerEvent): void {
    this.el.setPointerCapture(e.pointerId);
    this.press = { x: e.clientX, ms: this.msAt(e.clientX), dragging: false };
  }

  private pointerMove(e: PointerEvent): void {
    if (!this.press) return;
    if (!this.press.dragging && Math.abs(e.clientX - this.press.x) < DRAG_PX) return;
    this.press.dragging = true;
    const ms = this.msAt(e.clientX);
    this.selection = { startMs: Math.min(ms, this.press.ms), endMs: Math.max(ms, this.press.ms) };
    this.draw();
  }

  private pointerUp(e: PointerEvent): void {
    const press = this.press;
    this.press = undefined;
    if (!press) return;
    if (press.dragging && this.selection) {
      this.handlers.onSelect({
        startMs: Math.round(this.selection.startMs),
        endMs: Math.round(this.selection.endMs),
      });
    } else {
      this.handlers.onSeek(Math.round(this.msAt(e.clientX)));
    }
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      this.pan(Math.sign(e.deltaX || e.deltaY) * 0.1);
    } else {
      this.zoom(e.deltaY < 0 ? 0.7 : 1 / 0.7, this.msAt(e.clientX));
    }
  }

  private key(e: KeyboardEvent): void {
    if (e.key === "ArrowLeft") this.pan(-0.1);
    else if (e.key === "ArrowRight") this.pan(0.1);
    else if (e.key === "+" || e.key === "=") this.zoom(0.7);
    else if (e.key === "-") this.zoom(1 / 0.7);
    else return;
    e.preventDefault();
  }

  /** Where `ms` stands across the view, as a CSS left. */
  private pct(ms: number): string {
    const { startMs, endMs } = this.view;
    return `${(((ms - startMs) / (endMs - startMs)) * 100).toFixed(3)}%`;
  }

  /** Ticks, spans and the selection, then the markers; on a change of view, spans or selection. */
  private draw(): void {
    const { startMs, endMs } = this.view;
    const width = endMs - startMs;
    // Elements are styled through the CSSOM, never style="" markup: the page's
    // Content-Security-Policy allows no inline styles.
    const parts: HTMLElement[] = [];
    const add = (
      className: string,
      fromMs: number,
      toMs?: number,
      text?: string,
      title?: string,
    ) => {
      const el = document.createElement("div");
      el.className = className;
      el.style.left = this.pct(fromMs);
      if (toMs !== undefined) el.style.width = `${(((toMs - fromMs) / width) * 100).toFixed(3)}%`;
      if (text) el.textContent = text;
      if (title) el.title = title;
      parts.push(el);
      return el;
    };
    // As many ticks as fit with room for their labels (fewer on a phone).
    const maxTicks = Math.max(2, Math.min(12, Math.floor(this.el.clientWidth / 56)));
    const step =
      TICK_STEPS.find((s) => width / s <= maxTicks) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
    // Ticks fall on local clock times (whole hours, minutes).
    const offset = new Date(startMs).getTimezoneOffset() * 60_000;
    const pxPerMs = this.el.clientWidth / width;
    for (let t = Math.ceil((startMs - offset) / step) * step + offset; t < endMs; t += step) {
      const label =
        step >= 3_600_000 && new Date(t).getHours() === 0
          ? localDay(t).slice(5)
          : clockTime(t).slice(0, 5);
      // A label too near the right edge would be cut off: its line alone.
      const fits = (endMs - t) * pxPerMs >= LABEL_PX;
      add("tick", t, undefined, fits ? label : undefined);
    }
    for (const s of this.spans) {
      if (s.endMs <= startMs || s.startMs >= endMs) continue;
      add(
        "span",
        Math.max(s.startMs, startMs),
        Math.min(s.endMs, endMs),
        undefined,
        `${clockTime(s.startMs)}–${clockTime(s.endMs)}`,
      );
    }
    for (const bar of this.activity) {
      if (bar.endMs <= startMs || bar.startMs >= endMs) continue;
      const el = add(
        bar.busy ? "activity busy" : "activity",
        Math.max(bar.startMs, startMs),
        Math.min(bar.endMs, endMs),
        undefined,
        bar.label,
      );
      el.style.height = `${Math.round(bar.level * ACTIVITY_PX)}px`;
      el.dataset.start = String(bar.startMs);
      el.dataset.end = String(bar.endMs);
    }
    if (this.selection) {
      const a = Math.max(this.selection.startMs, startMs);
      const b = Math.min(this.selection.endMs, endMs);
      if (b > a) add("selection", a, b);
    }
    this.el.replaceChildren(...parts);
    this.placeMarkers();
  }

  /**
   * The now line and the playback cursor, last (on top) in that order: moved
   * in place, added when they come into view, removed when they leave it.
   */
  private placeMarkers(): void {
    const { startMs, endMs } = this.view;
    const width = endMs - startMs;
    const now = Date.now();
    this.nowEl = this.marker(
      this.nowEl,
      "now",
      now > startMs && now < endMs ? now : undefined,
      this.cursorEl,
    );
    const cursor = this.cursorInView();
    this.cursorEl = this.marker(this.cursorEl, "cursor", cursor);
    this.el.setAttribute(
      "aria-valuetext",
      cursor === undefined ? "not playing" : clockTime(cursor),
    );
    this.el.setAttribute(
      "aria-valuenow",
      cursor === undefined ? "0" : String(Math.round(((cursor - startMs) / width) * 100)),
    );
  }

  /** One marker line at `ms` (undefined: none), reusing `el`; inserted before `before` when that is shown. */
  private marker(
    el: HTMLElement | undefined,
    className: string,
    ms: number | undefined,
    before?: HTMLElement,
  ): HTMLElement | undefined {
    if (ms === undefined) {
      el?.remove();
      return undefined;
    }
    const marker = el ?? document.createElement("div");
    marker.className = className;
    marker.style.left = this.pct(ms);
    if (marker.parentNode !== this.el) {
      this.el.insertBefore(marker, before?.parentNode === this.el ? before : null);
    }
    return marker;
  }
}
