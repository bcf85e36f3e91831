import type { ChannelSettings } from "@kiroku/shared";
import { getSettings } from "./channel-store";
import type { ApiDeps } from "./context";

/**
 * How long a channel's settings are reused in-process before being read
 * again. live.m3u8 is reloaded by every viewer every few seconds; one GET per
 * channel per few seconds is enough to pick up a new live window, and a PUT
 * through this instance takes effect at once (it replaces the entry).
 */
export const SETTINGS_CACHE_MS = 5_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  settings: ChannelSettings | undefined;
  atMs: number;
}

// Keyed by the app's deps: each app (and each test's app) has its own cache, no global state.
const caches = new WeakMap<ApiDeps, Map<string, Entry>>();

function cacheOf(deps: ApiDeps): Map<string, Entry> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  return cache;
}

/** The channel's settings, at most SETTINGS_CACHE_MS old (undefined: none stored). */
export async function cachedSettings(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<ChannelSettings | undefined> {
  const cache = cacheOf(deps);
  const now = deps.now();
  const hit = cache.get(channel);
  if (hit && now - hit.atMs < SETTINGS_CACHE_MS && now >= hit.atMs) return hit.settings;
  const settings = await getSettings(deps, channel, signal);
  rememberSettings(deps, channel, settings);
  return settings;
}

/** Records settings just written (or deleted: undefined) so this instance serves them at once. */
export function rememberSettings(
  deps: ApiDeps,
  channel: string,
  settings: ChannelSettings | undefined,
): void {
  const cache = cacheOf(deps);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(channel, { settings, atMs: deps.now() });
}

/**
 * The live window of a channel: its settings' `liveWindow`, else LIVE_WINDOW.
 * Fails open: when the settings cannot be read the default is used (and
 * logged), because a live stream should not stop over a metadata read.
 */
export async function liveWindowOf(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<number> {
  try {
    return (await cachedSettings(deps, channel, signal))?.liveWindow ?? deps.config.liveWindow;
  } catch (err) {
    deps.logger.warn(
      { channel, err },
      "cannot read channel settings; live window falls back to LIVE_WINDOW",
    );
    return deps.config.liveWindow;
  }
}
