import path from "node:path";
import { parseSegmentKey, type SegmentRef, segmentKey, validateChannelName } from "@kiroku/shared";

/**
 * Layout of the spool folder (the durable queue), one folder per channel:
 *
 *   {SPOOL_DIR}/{channel}/state.json              persisted run, seq and attempt counters
 *   {SPOOL_DIR}/{channel}/incoming/a{attempt}/    one ffmpeg attempt writes here (segment files + csv list)
 *   {SPOOL_DIR}/{channel}/queue/{name}.ts         complete, not yet confirmed in S3
 *   {SPOOL_DIR}/{channel}/held/{name}.ts          complete, recorded while the clock was not trusted (held-segments.ts)
 *   {SPOOL_DIR}/{channel}/uploaded/{name}.ts      confirmed in S3, kept for a while (optional)
 *   {SPOOL_DIR}/{channel}/partial/                files ffmpeg never listed as closed (kept for inspection, never uploaded)
 *   {SPOOL_DIR}/{channel}/quarantine/             files that are not decodable video (ts-verify.ts; kept for inspection, never uploaded)
 *
 * A queue file's name is the segment's key name with the day folder folded in
 * (`2026-11-22_10-30-00.000Z_30000ms_r42_s1234.ts`), so after a crash the
 * queue alone says what each file is and where it goes: no database.
 */
export interface ChannelSpool {
  root: string;
  state: string;
  incoming: string;
  queue: string;
  /** Segments timed on the monotonic clock, waiting for a trusted wall clock (held-segments.ts). */
  held: string;
  uploaded: string;
  partial: string;
  quarantine: string;
}

export function channelSpool(spoolDir: string, channel: string): ChannelSpool {
  // Absolute, so ffmpeg's arguments name its folder exactly as a later
  // process looks for it (leftover-ffmpeg.ts), whatever the working directory.
  const root = path.join(path.resolve(spoolDir), validateChannelName(channel));
  return {
    root,
    state: path.join(root, "state.json"),
    incoming: path.join(root, "incoming"),
    queue: path.join(root, "queue"),
    held: path.join(root, "held"),
    uploaded: path.join(root, "uploaded"),
    partial: path.join(root, "partial"),
    quarantine: path.join(root, "quarantine"),
  };
}

/** File name of a segment in the queue. */
export function queueFileName(seg: SegmentRef): string {
  // Reuse the key schema so the two can never disagree: "x/cam/DAY/NAME" -> "DAY_NAME".
  const key = segmentKey("x", seg);
  const [, , day, name] = key.split("/");
  return `${day}_${name}`;
}

/** The segment a queue file name describes, or undefined for anything else. */
export function parseQueueFileName(channel: string, fileName: string): SegmentRef | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})_(.+)$/.exec(fileName);
  if (!m) return undefined;
  const seg = parseSegmentKey("x", `x/${channel}/${m[1]}/${m[2]}`);
  if (!seg) return undefined;
  const { key: _key, ...ref } = seg;
  return ref;
}
