import type { ChannelStatus } from "@kiroku/shared";
import { staleAfterMs } from "./channel-state";
import { getStatus } from "./channel-store";
import type { ApiDeps } from "./context";
import { cachedMeta } from "./meta-cache";

/**
 * The start (epoch ms) from which segments of a channel may still reach the
 * bucket, by its recorder's heartbeat; Infinity when nothing is known to be
 * on its way. A playlist whose range ends after this is not final yet, even
 * when the range is long past: after an outage the recorder uploads its
 * backlog for as long as it takes.
 *
 * - A fresh heartbeat names the oldest segment waiting in the spool
 *   (`queue.oldestStartMs`).
 * - A stale one (the recorder cannot write to the bucket, or is gone) also
 *   leaves open everything from the end of its last completed segment on:
 *   segments recorded since may be spooled and uploaded later. A recorder
 *   that stopped cleanly (`stopped`) records nothing more.
 * - No heartbeat at all (a bucket filled by other means) promises nothing.
 */
export function pendingFromMs(status: ChannelStatus | undefined, nowMs: number): number {
  if (!status) return Number.POSITIVE_INFINITY;
  let from = status.queue.oldestStartMs ?? Number.POSITIVE_INFINITY;
  const updatedMs = Date.parse(status.updatedAt);
  const stale = !Number.isFinite(updatedMs) || nowMs - updatedMs >= staleAfterMs(status);
  if (stale && status.state !== "stopped") {
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
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const status = await cachedMeta(deps, `status|${channel}`, () =>
      getStatus(deps, channel, signal),
    );
    return endMs <= pendingFromMs(status, deps.now());
  } catch (err) {
    deps.logger.warn({ channel, err }, "cannot read the channel's heartbeat; playlist not cached");
    return false;
  }
}
