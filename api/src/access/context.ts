import type { S3Client } from "@aws-sdk/client-s3";
import { type Logger, listSegmentsInRange, type StoredSegment } from "@kiroku/shared";
import type { Context } from "hono";
import type { ApiConfig } from "../api-config";
import type { PlaylistCache } from "../http/playlist-cache";
import { toStorageError } from "../http/storage-error";
import type { TimeRange } from "../http/time-range";
import type { Access } from "./auth";
import type { DayIndexes } from "./day-indexes";
import type { SegmentListings } from "./segment-listings";
import type { SegmentUrls } from "./segment-urls";

/** What every route handler gets: settings, storage, clock, logger. */
export interface ApiDeps {
  config: ApiConfig;
  s3: S3Client;
  logger: Logger;
  /** The clock (injectable: tests pin it instead of sleeping). */
  now: () => number;
  urls: SegmentUrls;
  cache: PlaylistCache;
  /** Listings shared by the requests of this instance (single-flight, live refresh, finished ranges). */
  listings: SegmentListings;
  /**
   * Segments of final days from their per-day index in the bucket (built on
   * first listing); absent, every day is listed (benchmarks measure the difference).
   */
  dayIndexes: DayIndexes | undefined;
}

/** Hono environment of the app: the authenticated access of a read request. */
export type ApiEnv = { Variables: { access: Access } };
export type ApiContext = Context<ApiEnv>;

/**
 * How far before a range start a segment overlapping it can start: two
 * target durations (a camera GOP longer than TARGET_DURATION stretches
 * `-c copy` segments) plus 10 s. Segments longer than that are not expected
 * from the recorder; one that is would be missed at a range start only.
 */
export function lookbackMs(config: ApiConfig): number {
  return 2 * config.targetDuration * 1000 + 10_000;
}

/**
 * True when a range ending at `endMs` is over at `nowMs`: its end plus
 * lookbackMs (the longest a segment reaching into it is expected to run) has
 * passed.
 */
export function rangeIsOver(config: ApiConfig, endMs: number, nowMs: number): boolean {
  return nowMs >= endMs + lookbackMs(config);
}

/** The channel's segments overlapping a range, from one planned listing; S3 failures become 503/502. */
export async function listRange(
  deps: ApiDeps,
  channel: string,
  range: TimeRange,
  abortSignal?: AbortSignal,
): Promise<StoredSegment[]> {
  try {
    const { segments } = await listSegmentsInRange({
      s3: deps.s3,
      bucket: deps.config.s3.bucket,
      movieKey: deps.config.movieKey,
      channel,
      startMs: range.startMs,
      endMs: range.endMs,
      lookbackMs: lookbackMs(deps.config),
      ...(abortSignal ? { abortSignal } : {}),
    });
    return segments;
  } catch (err) {
    throw toStorageError(err, `listing ${channel}`);
  }
}

/**
 * The channel's recent segments (a range ending around now, as live lists
 * it), from one listing per channel shared by every viewer and refreshed at
 * most once per listing refresh.
 */
export function listRecentShared(
  deps: ApiDeps,
  channel: string,
  range: TimeRange,
): Promise<StoredSegment[]> {
  return deps.listings.recent(channel, range, (r) => listRange(deps, channel, r));
}

/** The access a read request was let in with (set by the auth middleware). */
export function accessOf(c: ApiContext): Access {
  const access = c.get("access");
  if (!access) throw new Error(`route ${c.req.path} is missing the read-auth middleware`);
  return access;
}
