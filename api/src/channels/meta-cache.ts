import type { ApiDeps } from "../access/context";
import { SharedS3Flight } from "../http/shared-s3-work";

/**
 * How long a channel's metadata objects (settings, heartbeat) are reused
 * in-process before being read again. live.m3u8 is reloaded by every viewer
 * every few seconds; one GET per channel and object per few seconds is
 * enough, and a write through this instance replaces the entry at once.
 */
export const META_CACHE_MS = 5_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  value: unknown;
  atMs: number;
}

// Keyed by the app's deps: each app (and each test's app) has its own cache, no global state.
const caches = new WeakMap<ApiDeps, Map<string, Entry>>();
// Concurrent reads of one key share one GET (a burst of cold playlist requests).
const flights = new WeakMap<ApiDeps, SharedS3Flight<unknown>>();

function cacheOf(deps: ApiDeps): Map<string, Entry> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  return cache;
}

/** `read()`'s answer for `key`, at most META_CACHE_MS old. Failed reads are not cached. */
export async function cachedMeta<T>(
  deps: ApiDeps,
  key: string,
  read: () => Promise<T>,
): Promise<T> {
  const hit = peekMeta(deps, key);
  if (hit) return hit.value as T;
  let flight = flights.get(deps);
  if (!flight) {
    flight = new SharedS3Flight();
    flights.set(deps, flight);
  }
  return (await flight.run(key, async () => {
    const value = await read();
    rememberMeta(deps, key, value);
    return value;
  })) as T;
}

/**
 * The cached value of `key` if it is fresh (what `cachedMeta` would answer
 * without reading), else undefined: for answers that must not wait on S3.
 */
export function peekMeta(deps: ApiDeps, key: string): { value: unknown } | undefined {
  const now = deps.now();
  const hit = cacheOf(deps).get(key);
  return hit && now - hit.atMs < META_CACHE_MS && now >= hit.atMs ? hit : undefined;
}

/** Records a value just written (or deleted: undefined) so this instance serves it at once. */
export function rememberMeta(deps: ApiDeps, key: string, value: unknown): void {
  const cache = cacheOf(deps);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, { value, atMs: deps.now() });
}
