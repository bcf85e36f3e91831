/**
 * A small in-process LRU of rendered past-range playlists, bounded by bytes.
 * The API is stateless: this only saves re-listing and re-rendering on a warm
 * instance (a player and a CDN asking for the same range); losing it costs
 * one listing.
 */
export interface CachedPlaylist {
  body: string;
  etag: string;
}

export class PlaylistCache {
  readonly #entries = new Map<string, CachedPlaylist>();
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): CachedPlaylist | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: CachedPlaylist): void {
    const size = value.body.length + key.length;
    if (size > this.maxBytes) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.body.length + key.length;
    }
    this.#entries.set(key, value);
    this.#bytes += size;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.body.length + k.length;
    }
  }

  /** Drops every playlist of a channel (keys start with `{channel}|`): its recordings changed. */
  dropChannel(channel: string): void {
    for (const [k, v] of this.#entries) {
      if (!k.startsWith(`${channel}|`)) continue;
      this.#entries.delete(k);
      this.#bytes -= v.body.length + k.length;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
