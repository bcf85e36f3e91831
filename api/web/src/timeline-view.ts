/**
 * Where the timeline looks: pure arithmetic on [startMs, endMs) windows, kept
 * apart from the drawing so it can be tested without a browser.
 */
export interface Span {
  startMs: number;
  endMs: number;
}

export const MIN_VIEW_MS = 2 * 60_000; // zoomed in: two minutes across
export const MAX_VIEW_MS = 7 * 86_400_000; // zoomed out: a week
/** The shortest window a page opens on (a few minutes of recording are still a visible bar). */
export const MIN_OPENING_MS = 15 * 60_000;
/** How far back the opening view looks for recordings. */
export const OPENING_LOOKBACK_MS = 86_400_000;

/**
 * The view a channel opens on: the last hours that hold recordings, with now
 * at the right edge. It reaches back to the start of the earliest recording
 * of the last day (plus a little margin), no less than 15 minutes and no more
 * than a day. When nothing was recorded in the last day but something was
 * before (`lastRecordedMs`), the view ends there instead, so the most recent
 * recording is on screen.
 */
export function openingView(spans: Span[], nowMs: number, lastRecordedMs?: number): Span {
  const recent = spans.filter((s) => s.endMs > nowMs - OPENING_LOOKBACK_MS && s.startMs <= nowMs);
  if (
    recent.length === 0 &&
    lastRecordedMs !== undefined &&
    lastRecordedMs < nowMs - OPENING_LOOKBACK_MS
  ) {
    const end = lastRecordedMs + 5 * 60_000;
    return { startMs: end - 3 * 3_600_000, endMs: end };
  }
  const earliest = Math.min(...recent.map((s) => Math.max(s.startMs, nowMs - OPENING_LOOKBACK_MS)));
  const recorded = Number.isFinite(earliest) ? nowMs - earliest : 0;
  // 8 % of room on the left of the first recording, and a sliver right of now.
  const width = Math.min(OPENING_LOOKBACK_MS, Math.max(MIN_OPENING_MS, recorded * 1.08));
  const endMs = nowMs + width * 0.02;
  return { startMs: Math.round(endMs - width), endMs: Math.round(endMs) };
}

/**
 * Zooms `view` by `factor` (< 1 zooms in) so that the instant `anchorMs`
 * stays where it is on screen: the same fraction of the width before and
 * after. The width is kept within MIN_VIEW_MS..MAX_VIEW_MS.
 */
export function zoomAround(view: Span, factor: number, anchorMs: number): Span {
  const width = view.endMs - view.startMs;
  const next = Math.min(MAX_VIEW_MS, Math.max(MIN_VIEW_MS, width * factor));
  const ratio = (anchorMs - view.startMs) / width;
  const startMs = anchorMs - next * ratio;
  return { startMs: Math.round(startMs), endMs: Math.round(startMs + next) };
}

/** Moves `view` by `fraction` of its width (negative: back in time). */
export function panBy(view: Span, fraction: number): Span {
  const shift = Math.round((view.endMs - view.startMs) * fraction);
  return { startMs: view.startMs + shift, endMs: view.endMs + shift };
}
