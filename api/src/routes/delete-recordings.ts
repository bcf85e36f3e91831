import { z } from "@hono/zod-openapi";
import { DAY_MS, dayIndexKey, formatTime, utcDayStart } from "@kiroku/shared";
import { type ApiDeps, listRange } from "../access/context";
import { type DeleteOutcome, deleteKeys } from "../channels/channel-store";
import { planDeletion } from "../channels/deletion-plan";
import { toStorageError } from "../http/storage-error";
import type { TimeRange } from "../http/time-range";
import { rangeQuery } from "../http/time-range";
import { channelParams, json, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `DELETE /v1/channels/:ch/recordings?start&end|duration`: deletes exactly
 * the segments entirely inside the range; a segment straddling a bound is
 * kept and reported in `kept`. One planned listing (the range is bounded by
 * MAX_RANGE_HOURS, like every range request), then DeleteObjects in batches
 * of 1,000. `deleted` counts only what S3 confirmed; refusals are listed in
 * `failed`. The day indexes of the days it deleted from are removed (the
 * next read of such a day lists it and indexes it again). Stored playlists
 * are not touched (one that names a deleted segment will fail at that
 * segment). Segments still spooled on a recorder when this runs arrive
 * later and are not deleted.
 */
export const deleteRecordingsRoute = apiRoute(
  (limits) => ({
    method: "delete",
    path: "/v1/channels/{ch}/recordings",
    operationId: "deleteRecordings",
    tag: "channels",
    summary: "Delete the segments entirely inside a range",
    description:
      "Segments straddling a bound are kept and listed in `kept`; stored playlists are not touched.",
    access: "admin",
    storage: true,
    params: channelParams,
    query: rangeQuery(limits.maxRangeHours),
    responses: { "200": json("What was deleted and kept.", RecordingsDeletedSchema) },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { range } = query;
      const segments = await listRange(deps, channel, range, c.req.raw.signal);
      const plan = planDeletion(segments, range);
      const outcome = await deleteKeys(
        deps,
        plan.inside.map((s) => s.key),
        c.req.raw.signal,
      );
      // What this instance kept of the channel's listings and playlists is out of date now.
      deps.listings.invalidate(channel);
      deps.dayIndexes?.invalidate(channel);
      deps.cache.dropChannel(channel);
      // So are the day indexes of the range's days (after the segments: an index
      // listed meanwhile goes too; every day of the range, so calling again
      // after a failure still removes them); the next reader lists those days again.
      const indexes = await deleteDayIndexes(deps, channel, range, c.req.raw.signal);
      outcome.failed.push(...indexes.failed);
      const bytes = plan.inside.reduce((sum, s) => sum + (s.size ?? 0), 0);
      deps.logger.info(
        {
          channel,
          start: formatTime(range.startMs),
          end: formatTime(range.endMs),
          deleted: outcome.deleted,
          kept: plan.straddling.length,
          failed: outcome.failed.length,
        },
        "recordings deleted",
      );
      c.header("Cache-Control", "no-store");
      return c.json({
        channel,
        start: formatTime(range.startMs),
        end: formatTime(range.endMs),
        deleted: outcome.deleted,
        ...(outcome.failed.length === 0 ? { bytes } : {}),
        kept: plan.straddling.map((s) => ({
          key: s.key,
          start: formatTime(s.startMs),
          end: formatTime(s.startMs + s.durationMs),
        })),
        ...(outcome.failed.length > 0
          ? { failed: outcome.failed.slice(0, 100), failedCount: outcome.failed.length }
          : {}),
      });
    },
);

/** Removes the day indexes of every UTC day the range touches; failures are returned, not thrown. */
async function deleteDayIndexes(
  deps: ApiDeps,
  channel: string,
  range: TimeRange,
  signal: AbortSignal,
): Promise<DeleteOutcome> {
  const keys: string[] = [];
  for (let day = utcDayStart(range.startMs); day < range.endMs; day += DAY_MS)
    keys.push(dayIndexKey(deps.config.movieKey, channel, day));
  try {
    return await deleteKeys(deps, keys, signal);
  } catch (err) {
    const e = toStorageError(err, "deleting day indexes");
    return { deleted: 0, failed: keys.map((key) => ({ key, code: e.code, message: e.message })) };
  }
}

/** Objects a deletion could not remove, as S3 reported them. */
export const DeleteFailures = {
  failed: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })).optional(),
  failedCount: z.int().optional(),
};

const RecordingsDeletedSchema = z
  .object({
    channel: z.string(),
    start: Time,
    end: Time,
    deleted: z.int().openapi({ description: "Segments S3 confirmed deleted." }),
    bytes: z.int().optional(),
    kept: z.array(z.object({ key: z.string(), start: Time, end: Time })),
    ...DeleteFailures,
  })
  .openapi("RecordingsDeleted");
