import type { EncodedBody } from "./compressed-body";

/**
 * A small in-process LRU of rendered past-range playlists, bounded by bytes.
 * The API is stateless: this only saves re-listing and re-rendering on a warm
 * instance (a player and a CDN asking for the same range); losing it costs
 * one listing.
 */
export interface CachedPlaylist {
  /** Encoded once; compressed forms are added on demand (counted at a third more). */
  body: EncodedBody;
  etag: string;
}

/** Bytes an entry is counted at: the body, plus a third for its compressed forms. */
function sizeOf(key: string, value: CachedPlaylist): number {
  return Math.ceil(value.body.bytes.length * 1.34) + key.length;
}

export class PlaylistCache {
  readonly #entries = new Map<string, CachedPlaylist>();
  #bytes = 0;
  /** The most recently used key: a hit on it needs no reordering (one playlist asked for over and over). */
  #newest: string | undefined;

  constructor(private readonly maxBytes: number) {}

  get(key: string): CachedPlaylist | undefined {
    const hit = this.#entries.get(key);
    if (hit && key !== this.#newest) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      this.#newest = key;
    }
    return hit;
  }

  set(key: string, value: CachedPlaylist): void {
    const size = sizeOf(key, value);
    if (size > this.maxBytes) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= sizeOf(key, old);
    }
    this.#entries.set(key, value);
    this.#newest = key;
    this.#bytes += size;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= sizeOf(k, v);
    }
  }

  /** Drops every playlist of a channel (keys start with `{channel}|`): its recordings changed. */
  dropChannel(channel: string): void {
    for (const [k, v] of this.#entries) {
      if (!k.startsWith(`${channel}|`)) continue;
      this.#entries.delete(k);
      this.#bytes -= sizeOf(k, v);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
