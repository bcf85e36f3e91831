import { z } from "@hono/zod-openapi";
import { describeInput, formatTime } from "@kiroku/shared";
import { authorizeScope } from "../access/auth";
import { accessOf, listRangeShared, rangeIsOver } from "../access/context";
import { API_DEFAULTS } from "../api-defaults";
import { rangeFields, resolveRange } from "../http/time-range";
import { activityOver, segmentActivity } from "../media/activity";
import { gapsBetween, mergeSpans, type Span, summarize } from "../playlists/spans";
import { settledBefore } from "../playlists/upload-backlog";
import { channelParams, json, Time } from "./common-schemas";
import { apiRoute } from "./endpoint";

const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Hours a minute summary may span (1,440 buckets): the web page asks for one up to 6 h wide. */
const MINUTE_SUMMARY_MAX_HOURS = 24;

/**
 * `GET /v1/channels/:ch/recordings?start&end[&summary=minute|hour|day]`:
 * recorded spans and the gaps between them, for a timeline. With `summary`,
 * coverage per minute, hour or day (buckets aligned to `start`, so a client
 * gets local days by starting at its local midnight); hour and day summaries
 * may span a month even when MAX_RANGE_HOURS is lower, minute ones a day at
 * most (the web page's activity strip asks for them). An empty range is not an error here: a timeline
 * with no recordings is an answer. Each span and bucket carries its
 * `activity` (media/activity.ts: bytes per second over the run's median,
 * mean and peak), null where nothing can be said.
 */
export const recordingsRoute = apiRoute(
  (limits) => ({
    method: "get",
    path: "/v1/channels/{ch}/recordings",
    operationId: "getRecordings",
    tag: "playback",
    summary: "Recorded spans and gaps",
    description: `An empty range is an answer, not a 404. With \`summary\` the range may span ${API_DEFAULTS.SUMMARY_MAX_HOURS / 24} days even when MAX_RANGE_HOURS is lower.`,
    access: "playback",
    storage: true,
    params: channelParams,
    query: recordingsQuery(limits.maxRangeHours),
    responses: { "200": json("Spans, gaps and totals.", RecordingsSchema) },
  }),
  (deps) =>
    async (c, { params, query }) => {
      const channel = params.ch;
      const { summary, range } = query;
      const access = accessOf(c);
      authorizeScope(deps.config, access, { channel, resource: "recordings", ...range });
      const now = deps.now();
      // Shared with playlists of the same range; kept once nothing can still arrive in it.
      const settled =
        rangeIsOver(deps.config, range.endMs, now) &&
        (await settledBefore(deps, channel, range.endMs, c.req.raw.signal));
      const segments = await listRangeShared(deps, channel, range, settled);
      const spans = mergeSpans(segments, range, API_DEFAULTS.GAP_TOLERANCE_MS);
      const gaps = gapsBetween(spans, range, now);
      const recordedMs = spans.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
      const activity = segmentActivity(segments);
      const finished = rangeIsOver(deps.config, range.endMs, now);
      c.header(
        "Cache-Control",
        `${deps.config.publicPlayback ? "public" : "private"}, max-age=${finished ? 60 : 1}`,
      );
      return c.json({
        channel,
        start: formatTime(range.startMs),
        end: formatTime(range.endMs),
        recorded: seconds(recordedMs),
        segments: segments.length,
        spans: spans.map((s) => ({ ...spanJson(s), activity: activityOver(activity, s) })),
        gaps: gaps.map(spanJson),
        ...(summary
          ? {
              summary: {
                bucket: summary,
                buckets: summarize(spans, range, BUCKETS[summary]).map((b) => ({
                  ...spanJson(b),
                  recorded: seconds(b.recordedMs),
                  coverage: Math.round((b.recordedMs / (b.endMs - b.startMs)) * 10_000) / 10_000,
                  activity: activityOver(activity, b),
                })),
              },
            }
          : {}),
      });
    },
);

/**
 * `summary` (checked first), then the range: up to MAX_RANGE_HOURS, or
 * SUMMARY_MAX_HOURS with an hour or day summary when that is longer; a
 * minute summary up to MINUTE_SUMMARY_MAX_HOURS when that is shorter.
 */
function recordingsQuery(maxRangeHours: number) {
  return z
    .object({
      summary: z
        .enum(["minute", "hour", "day"], {
          error: (issue) =>
            `summary must be "minute", "hour" or "day", got ${describeInput(issue.input)}`,
        })
        .optional()
        .openapi({
          description: `Also give coverage and activity per minute, hour or day (buckets aligned to \`start\`). A minute summary spans ${MINUTE_SUMMARY_MAX_HOURS} h at most.`,
        }),
      ...rangeFields(),
    })
    .transform((query, ctx) => {
      // A summary's own, longer limit is named as such: quoting MAX_RANGE_HOURS
      // with a number that is not its value would send the reader astray.
      const minute = query.summary === "minute";
      const summaryLonger =
        query.summary && !minute && API_DEFAULTS.SUMMARY_MAX_HOURS > maxRangeHours;
      const minuteShorter = minute && MINUTE_SUMMARY_MAX_HOURS < maxRangeHours;
      const range = summaryLonger
        ? resolveRange(query, API_DEFAULTS.SUMMARY_MAX_HOURS, ctx, "the summary limit")
        : minuteShorter
          ? resolveRange(query, MINUTE_SUMMARY_MAX_HOURS, ctx, "the minute summary limit")
          : resolveRange(query, maxRangeHours, ctx);
      return range ? { summary: query.summary, range } : z.NEVER;
    });
}

const SpanSchema = z
  .object({ start: Time, end: Time, duration: z.number().openapi({ description: "Seconds." }) })
  .openapi("Span");

const ActivitySchema = z
  .object({
    mean: z
      .number()
      .openapi({ description: "Time-weighted mean of the segments' relative rates." }),
    peak: z.number().openapi({ description: "The busiest segment's relative rate." }),
  })
  .nullable()
  .openapi("Activity", {
    description:
      "Bytes per second of the segments relative to their recording run's median (1 = typical, 2 = twice the bytes): a proxy for motion, no frame decoded. Null where no run has 3 segments in the range. See the README's Activity section for its limits.",
  });

const RecordedSpanSchema = z
  .object({
    start: Time,
    end: Time,
    duration: z.number().openapi({ description: "Seconds." }),
    activity: ActivitySchema,
  })
  .openapi("RecordedSpan");

const RecordingsSchema = z
  .object({
    channel: z.string(),
    start: Time,
    end: Time,
    recorded: z.number().openapi({ description: "Seconds recorded in the range." }),
    segments: z.int(),
    spans: z.array(RecordedSpanSchema),
    gaps: z.array(SpanSchema),
    summary: z
      .object({
        bucket: z.enum(["minute", "hour", "day"]),
        buckets: z.array(
          z.object({
            start: Time,
            end: Time,
            duration: z.number(),
            recorded: z.number().openapi({ description: "Seconds recorded in the bucket." }),
            coverage: z.number().openapi({ description: "Recorded share of the bucket, 0 to 1." }),
            activity: ActivitySchema,
          }),
        ),
      })
      .optional(),
  })
  .openapi("Recordings");

function spanJson(s: Span): { start: string; end: string; duration: number } {
  return {
    start: formatTime(s.startMs),
    end: formatTime(s.endMs),
    duration: seconds(s.endMs - s.startMs),
  };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
