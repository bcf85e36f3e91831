import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  DAY_MS,
  dayIndexKey,
  decodeDayIndex,
  encodeDayIndex,
  listSegmentsInRange,
  utcDay,
} from "@kiroku/shared";
import { isNotFound, toStorageError } from "../http/storage-error";
import type { ApiDeps } from "./context";
import type { DayIndexStore } from "./day-indexes";

/**
 * Day indexes in the bucket (`movie/_index/{channel}/{day}.json`): read,
 * rebuilt from a listing of the day's folder, written. A store failure on
 * read or list fails the request like a listing would (503/502); a failed
 * write is only logged (the next reader lists the day again). An index that
 * is not sound (torn, hand-edited, another schema) is logged and rebuilt.
 */
export function s3DayIndexStore(deps: Pick<ApiDeps, "s3" | "config" | "logger">): DayIndexStore {
  const { s3, config, logger } = deps;
  const bucket = config.s3.bucket;
  const movieKey = config.movieKey;
  return {
    async read(channel, dayMs) {
      const key = dayIndexKey(movieKey, channel, dayMs);
      let body: string;
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = await out.Body!.transformToString();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw toStorageError(err, `reading the day index ${key}`);
      }
      const segments = decodeDayIndex(movieKey, channel, dayMs, body);
      if (!segments)
        logger.warn({ key }, "day index is not a sound schema-1 index; listing the day");
      return segments;
    },
    async list(channel, dayMs) {
      try {
        const { segments } = await listSegmentsInRange({
          s3,
          bucket,
          movieKey,
          channel,
          startMs: dayMs,
          endMs: dayMs + DAY_MS,
          lookbackMs: 0,
        });
        return segments;
      } catch (err) {
        throw toStorageError(err, `listing ${channel} on ${utcDay(dayMs)}`);
      }
    },
    async write(channel, dayMs, segments) {
      const key = dayIndexKey(movieKey, channel, dayMs);
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: encodeDayIndex(movieKey, channel, dayMs, segments),
            ContentType: "application/json",
          }),
        );
      } catch (err) {
        logger.warn({ key, err }, "cannot write the day index; the day will be listed again");
      }
    },
  };
}
