import type { StoredSegment } from "@kiroku/shared";
import { SharedS3Flight } from "../http/shared-s3-work";

/** Where a day's segments come from: its index object, or a listing of its folder. */
export interface DayIndexStore {
  /** The day's index, or undefined when there is none or it is not sound (then it is rebuilt). */
  read(channel: string, dayMs: number): Promise<StoredSegment[] | undefined>;
  /** Lists the day's folder: the source of truth. */
  list(channel: string, dayMs: number): Promise<StoredSegment[]>;
  /** Stores the day's index (best effort: a failed write only costs the next reader a listing). */
  write(channel: string, dayMs: number, segments: StoredSegment[]): Promise<void>;
}

/**
 * The segments of days that are over and can no longer change, from their
 * per-day index (`movie/_index/{channel}/{day}.json`, shared/day-index.ts)
 * and, the first time a day is asked for, from a listing of it that is then
 * indexed. Only call it for a day that is final (the caller's backlog rule):
 * the index is trusted as it is, so indexing a day that may still grow would
 * hide what arrives later.
 *
 * Concurrent requests for a day share one read or build (single-flight).
 * Deleting recordings bumps the channel's generation: a build whose listing
 * started before a deletion through this instance does not write its index
 * (it may still name deleted segments); the deletion then removes the day's
 * index objects, so the next reader lists the day again.
 */
export class DayIndexes {
  readonly #flight = new SharedS3Flight<StoredSegment[]>();
  readonly #generation = new Map<string, number>();
  #built = 0;

  constructor(private readonly store: DayIndexStore) {}

  /** The channel's segments starting on the UTC day that begins at `dayMs`, in key order. */
  day(channel: string, dayMs: number): Promise<StoredSegment[]> {
    return this.#flight.run(`${channel}|${dayMs}`, async () => {
      const indexed = await this.store.read(channel, dayMs);
      if (indexed) return indexed;
      const generation = this.#generationOf(channel);
      const listed = await this.store.list(channel, dayMs);
      if (this.#generationOf(channel) === generation) {
        await this.store.write(channel, dayMs, listed);
        this.#built++;
      }
      return listed;
    });
  }

  /** Recordings of `channel` were deleted: builds already under way must not write their index. */
  invalidate(channel: string): void {
    this.#generation.set(channel, this.#generationOf(channel) + 1);
  }

  /** Indexes this instance has built (listed and written) so far. */
  get built(): number {
    return this.#built;
  }

  #generationOf(channel: string): number {
    return this.#generation.get(channel) ?? 0;
  }
}
