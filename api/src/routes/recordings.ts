import { formatTime, ValidationError } from "@kiroku/shared";
import type { Handler } from "hono";
import { authorizeScope } from "../access/auth";
import {
  type ApiDeps,
  type ApiEnv,
  accessOf,
  channelParam,
  listRange,
  rangeIsOver,
} from "../access/context";
import { API_DEFAULTS } from "../api-defaults";
import { parseRangeQuery } from "../http/time-range";
import { gapsBetween, mergeSpans, type Span, summarize } from "../playlists/spans";

const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * `GET /v1/channels/:ch/recordings?start&end[&summary=hour|day]`: recorded
 * spans and the gaps between them, for a timeline. With `summary`, coverage
 * per hour or day (buckets aligned to `start`, so a client gets local days by
 * starting at its local midnight); summaries may span a month even when
 * MAX_RANGE_HOURS is lower. An empty range is not an error here: a timeline
 * with no recordings is an answer.
 */
export function recordingsHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    const channel = channelParam(c);
    const summaryParam = c.req.query("summary");
    if (summaryParam !== undefined && !(summaryParam in BUCKETS)) {
      throw new ValidationError(
        "summary",
        `summary must be "hour" or "day", got ${JSON.stringify(summaryParam.slice(0, 40))}`,
      );
    }
    const summary = summaryParam as keyof typeof BUCKETS | undefined;
    const maxHours = summary
      ? Math.max(deps.config.maxRangeHours, API_DEFAULTS.SUMMARY_MAX_HOURS)
      : deps.config.maxRangeHours;
    const range = parseRangeQuery((n) => c.req.query(n), maxHours);
    const access = accessOf(c);
    authorizeScope(deps.config, access, { channel, resource: "recordings", ...range });
    const now = deps.now();
    const segments = await listRange(deps, channel, range, c.req.raw.signal);
    const spans = mergeSpans(segments, range, API_DEFAULTS.GAP_TOLERANCE_MS);
    const gaps = gapsBetween(spans, range, now);
    const recordedMs = spans.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
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
      spans: spans.map(spanJson),
      gaps: gaps.map(spanJson),
      ...(summary
        ? {
            summary: {
              bucket: summary,
              buckets: summarize(spans, range, BUCKETS[summary]).map((b) => ({
                ...spanJson(b),
                recorded: seconds(b.recordedMs),
                coverage: Math.round((b.recordedMs / (b.endMs - b.startMs)) * 10_000) / 10_000,
              })),
            },
          }
        : {}),
    });
  };
}

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
