import type { ChannelStatus } from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { staleAfterMs } from "../channels/channel-state";
import { getStatus } from "../channels/channel-store";
import { cachedMeta, peekMeta } from "../channels/meta-cache";

/**
 * The start (epoch ms) from which segments of a channel may still reach the
 * bucket, by its recorder's heartbeat; Infinity when nothing is known to be
 * on its way. A playlist whose range ends after this is not final yet, even
 * when the range is long past: after an outage the recorder uploads its
 * backlog for as long as it takes.
 *
 * - The heartbeat names the oldest segment waiting in the spool
 *   (`queue.oldestStartMs`); a queue without it (a recorder from before the
 *   field) leaves everything open.
 * - A recorder that may still be recording also leaves open everything from
 *   the end of its last completed segment on: the segment in progress, and
 *   whatever it spools while the bucket is out of reach (its heartbeat goes
 *   stale then, but only after a few intervals). A recorder that stopped
 *   cleanly (`stopped`), or says fresh that the channel is `disabled`,
 *   records nothing more.
 * - No heartbeat at all (a bucket filled by other means) promises nothing.
 */
export function pendingFromMs(status: ChannelStatus | undefined, nowMs: number): number {
  if (!status) return Number.POSITIVE_INFINITY;
  const { queue } = status;
  let from = queue.oldestStartMs ?? (queue.segments > 0 ? Number.NEGATIVE_INFINITY : Infinity);
  const updatedMs = Date.parse(status.updatedAt);
  const stale = !Number.isFinite(updatedMs) || nowMs - updatedMs >= staleAfterMs(status);
  const mayRecord = status.state !== "stopped" && (stale || status.state !== "disabled");
  if (mayRecord) {
    const last = status.lastSegment;
    const unreported = last ? last.startMs + last.durationMs : updatedMs;
    from = Math.min(from, Number.isFinite(unreported) ? unreported : Number.NEGATIVE_INFINITY);
  }
  return from;
}

/**
 * True when no segment that could still arrive would fall before `endMs`, so
 * a playlist of a range ending there can be cached as final. The heartbeat is
 * read through the metadata cache; when it cannot be read the answer is
 * false (serve it, just do not cache it).
 */
export async function settledBefore(
  deps: ApiDeps,
  channel: string,
  endMs: number,
  _signal?: AbortSignal,
): Promise<boolean> {
  try {
    // Shared by concurrent callers: one caller's abort must not cancel it for the others.
    const status = await cachedMeta(deps, statusKey(channel), () => getStatus(deps, channel));
    return endMs <= pendingFromMs(status, deps.now());
  } catch (err) {
    deps.logger.warn({ channel, err }, "cannot read the channel's heartbeat; playlist not cached");
    return false;
  }
}

/**
 * `settledBefore` from the heartbeat already in the metadata cache, without
 * reading S3: undefined when the cache holds no fresh heartbeat read (then
 * only `settledBefore` can tell).
 */
export function settledBeforeFromCache(
  deps: ApiDeps,
  channel: string,
  endMs: number,
): boolean | undefined {
  const hit = peekMeta(deps, statusKey(channel));
  if (!hit) return undefined;
  return endMs <= pendingFromMs(hit.value as ChannelStatus | undefined, deps.now());
}

const statusKey = (channel: string) => `status|${channel}`;
