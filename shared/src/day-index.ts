import { validateChannelName } from "./channel-name";
import { DAY_MS } from "./range-plan";
import {
  dayPrefix,
  parseSegmentKey,
  type StoredSegment,
  segmentKey,
  utcDay,
  utcDayStart,
} from "./segment-key";

/**
 * The per-day index of a channel's segments (README, "Storage layout"): one
 * small object per channel and UTC day that is over and can no longer
 * change, holding what a listing of that day's folder said of each segment
 * (start, duration, run, seq, size), so a month is ~31 parallel GETs of
 * small objects instead of ~94 LIST pages.
 *
 *   {S3_MOVIE_KEY}/_index/{channel}/{YYYY-MM-DD}.json
 *
 * `_index` can never be a channel name, so index objects never sit between
 * a channel's segment keys: a range listing reads only segments. The index
 * is a cache of the listing, which stays the source of truth: whoever reads
 * one checks it against this schema (channel, day, count, key order) and
 * rebuilds it from a listing when it does not hold.
 *
 * Body (JSON, ~30 bytes a segment, ~90 kB for a day of 30 s segments):
 *
 *   {"schema":1,"channel":"cam1","day":"2026-11-22","count":2,
 *    "segments":[[offsetMs,durationMs,run,seq,size|null(,name)],…]}
 *
 * `offsetMs` is the start from the day's UTC midnight; `name` (the key's last
 * part) is there only for a key that is not written the way `segmentKey`
 * writes it (leading zeros in a hand-made key), so the index gives back the
 * listing's exact keys.
 */
export const DAY_INDEX_FOLDER = "_index";
export const DAY_INDEX_SCHEMA = 1;

/** `movie/_index/cam1/`: every day index of a channel. */
export function dayIndexPrefix(movieKey: string, channel: string): string {
  return `${movieKey}/${DAY_INDEX_FOLDER}/${validateChannelName(channel)}/`;
}

/** `movie/_index/cam1/2026-11-22.json`: the index of the UTC day holding `dayMs`. */
export function dayIndexKey(movieKey: string, channel: string, dayMs: number): string {
  return `${dayIndexPrefix(movieKey, channel)}${utcDay(dayMs)}.json`;
}

/**
 * The index body of a day's segments (as a listing of the day's folder gave
 * them, in key order). Throws when a segment does not start on that day.
 */
export function encodeDayIndex(
  movieKey: string,
  channel: string,
  dayMs: number,
  segments: readonly StoredSegment[],
): string {
  const day = utcDayStart(dayMs);
  const folder = dayPrefix(movieKey, channel, day);
  const entries = segments.map((s) => {
    if (s.channel !== channel || utcDayStart(s.startMs) !== day)
      throw new RangeError(`segment ${s.key} is not of ${channel} on ${utcDay(day)}`);
    const entry: unknown[] = [s.startMs - day, s.durationMs, s.run, s.seq, s.size ?? null];
    if (segmentKey(movieKey, s) !== s.key) entry.push(s.key.slice(folder.length));
    return entry;
  });
  return JSON.stringify({
    schema: DAY_INDEX_SCHEMA,
    channel,
    day: utcDay(day),
    count: entries.length,
    segments: entries,
  });
}

/**
 * The segments an index body holds, or `undefined` when it is not a sound
 * index of this channel and day (another schema, a torn or hand-edited body,
 * keys out of order or outside the day): the caller lists the day instead.
 */
export function decodeDayIndex(
  movieKey: string,
  channel: string,
  dayMs: number,
  body: string,
): StoredSegment[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const fields = doc as Record<string, unknown>;
  const { count, segments } = fields;
  const day = utcDayStart(dayMs);
  if (
    fields.schema !== DAY_INDEX_SCHEMA ||
    fields.channel !== channel ||
    fields.day !== utcDay(day)
  )
    return undefined;
  if (!Array.isArray(segments) || count !== segments.length) return undefined;
  const folder = dayPrefix(movieKey, channel, day);
  const out: StoredSegment[] = [];
  let previousKey = "";
  for (const entry of segments) {
    const seg = decodeEntry(movieKey, channel, day, folder, entry);
    if (!seg || seg.key <= previousKey) return undefined;
    previousKey = seg.key;
    out.push(seg);
  }
  return out;
}

function decodeEntry(
  movieKey: string,
  channel: string,
  day: number,
  folder: string,
  entry: unknown,
): StoredSegment | undefined {
  if (!Array.isArray(entry) || entry.length < 5 || entry.length > 6) return undefined;
  const [offsetMs, durationMs, run, seq, size, name] = entry as unknown[];
  if (!isWhole(offsetMs) || offsetMs >= DAY_MS) return undefined;
  if (!isWhole(durationMs) || !isWhole(run) || !isWhole(seq)) return undefined;
  if (size !== null && !isWhole(size)) return undefined;
  const ref = { channel, startMs: day + offsetMs, durationMs, run, seq };
  let key: string;
  if (name === undefined) {
    try {
      key = segmentKey(movieKey, ref);
    } catch {
      return undefined;
    }
  } else {
    if (typeof name !== "string") return undefined;
    key = folder + name;
    // A stored name must name exactly this segment.
    const parsed = parseSegmentKey(movieKey, key);
    if (
      !parsed ||
      parsed.startMs !== ref.startMs ||
      parsed.durationMs !== durationMs ||
      parsed.run !== run ||
      parsed.seq !== seq
    )
      return undefined;
  }
  return size === null ? { ...ref, key } : { ...ref, key, size };
}

function isWhole(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
