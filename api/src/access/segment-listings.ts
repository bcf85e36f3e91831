import { overlaps, type StoredSegment } from "@kiroku/shared";
import { SharedS3Flight } from "../http/shared-s3-work";
import type { TimeRange } from "../http/time-range";

/**
 * Segment listings shared by every request of an instance, kept apart from
 * URL signing: a listing is what costs (a LIST is $0.005 per 1,000 and
 * hundreds of ms), signing a segment URL is a few µs in memory. So:
 *
 * - Recent listings (live playlists, "is it live" checks) are one per
 *   channel, shared by every viewer and reused for `refreshMs` (a fraction of
 *   the target duration): S3 LISTs for a channel's live playlist are bounded
 *   by the refresh rate, whatever the number of viewers.
 * - Range listings are single-flight (ten identical cold requests make one
 *   listing); a finished range (one nothing can still be uploaded into) is
 *   kept in an LRU bounded by segment count, so a new URL-signing slot or a
 *   new session re-signs in memory instead of listing again. An unfinished
 *   one is shared only while it is being listed.
 * - Deleting recordings of a channel drops everything kept of it.
 *
 * The API stays stateless: losing all of this costs one listing.
 */
export interface SegmentListingsOptions {
  now: () => number;
  /** How long a listing of keys that may still change is reused. */
  refreshMs: number;
  /** Bound of the finished-range LRU, in segments (a segment is a few hundred bytes here). */
  maxFinalSegments: number;
}

/** Loads a listing from the store (the caller's listRange, without a request's abort signal: the work is shared). */
export type LoadListing = (range: TimeRange) => Promise<StoredSegment[]>;

interface Listing {
  fromMs: number;
  toMs: number;
  /** When the listing was asked for: what it holds is at least this fresh. */
  atMs: number;
  segments: StoredSegment[];
}

export class SegmentListings {
  readonly #flight = new SharedS3Flight<Listing>();
  readonly #recent = new Map<string, Listing>();
  readonly #ranges = new Map<string, Listing & { final: boolean }>();
  #finalSegments = 0;

  constructor(private readonly opts: SegmentListingsOptions) {}

  /**
   * The channel's segments overlapping `range` from a listing at most
   * `refreshMs` old that reaches back to `range.startMs`; concurrent callers
   * share one listing. For ranges that end around now (live).
   */
  async recent(channel: string, range: TimeRange, load: LoadListing): Promise<StoredSegment[]> {
    const now = this.opts.now();
    const hit = this.#recent.get(channel);
    if (hit && this.#fresh(hit, now) && hit.fromMs <= range.startMs) {
      return within(hit.segments, range);
    }
    let listing = await this.#flight.run(`recent|${channel}`, () => this.#load(range, now, load));
    // Joined a listing that started later than this range (a longer live
    // window asked for meanwhile): list what this one needs.
    if (listing.fromMs > range.startMs) listing = await this.#load(range, now, load);
    const kept = this.#recent.get(channel);
    if (!kept || kept.atMs <= listing.atMs) this.#recent.set(channel, listing);
    return within(listing.segments, range);
  }

  /**
   * The channel's segments overlapping `range`, listed once however many ask
   * at the same time. `final`: nothing can still be uploaded into the range,
   * so the listing is kept (LRU) until deleted.
   */
  async range(
    channel: string,
    range: TimeRange,
    final: boolean,
    load: LoadListing,
  ): Promise<StoredSegment[]> {
    const key = `${channel}|${range.startMs}|${range.endMs}`;
    const now = this.opts.now();
    const hit = this.#ranges.get(key);
    if (hit) {
      // Most recently used last.
      this.#ranges.delete(key);
      this.#ranges.set(key, hit);
      return hit.segments;
    }
    const listing = await this.#flight.run(`range|${key}`, () => this.#load(range, now, load));
    // An unfinished range is only shared while in flight: a late upload into
    // it shows on the very next request.
    if (final) this.#keep(key, { ...listing, final });
    return listing.segments;
  }

  /** Forgets every listing of `channel` (its recordings were deleted). */
  invalidate(channel: string): void {
    this.#recent.delete(channel);
    for (const [key, listing] of this.#ranges) {
      if (key.startsWith(`${channel}|`)) this.#drop(key, listing);
    }
  }

  /** Segments held in finished-range listings. */
  get finalSegments(): number {
    return this.#finalSegments;
  }

  async #load(range: TimeRange, atMs: number, load: LoadListing): Promise<Listing> {
    const segments = await load(range);
    return { fromMs: range.startMs, toMs: range.endMs, atMs, segments };
  }

  #fresh(listing: Listing, nowMs: number): boolean {
    return nowMs >= listing.atMs && nowMs - listing.atMs < this.opts.refreshMs;
  }

  #keep(key: string, listing: Listing & { final: boolean }): void {
    const old = this.#ranges.get(key);
    if (old) this.#drop(key, old);
    if (listing.segments.length > this.opts.maxFinalSegments) return;
    this.#ranges.set(key, listing);
    this.#finalSegments += listing.segments.length;
    // Least recently used first, until within the bound.
    for (const [k, l] of this.#ranges) {
      if (this.#finalSegments <= this.opts.maxFinalSegments) break;
      this.#drop(k, l);
    }
  }

  #drop(key: string, listing: Listing & { final: boolean }): void {
    this.#ranges.delete(key);
    if (listing.final) this.#finalSegments -= listing.segments.length;
  }
}

function within(segments: StoredSegment[], range: TimeRange): StoredSegment[] {
  return segments.filter((s) => overlaps(s.startMs, s.durationMs, range.startMs, range.endMs));
}
