import type { ChannelStatus } from "@kiroku/shared";
import { type ApiDeps, listRecentShared } from "../access/context";
import { needsSegmentProof, type SegmentProof } from "../channels/channel-state";

/**
 * The proof `channelState` needs for a `recording` heartbeat older than a
 * few segment durations (the recorder writes it on change plus a slow
 * keep-alive): the end of the channel's newest segment, from the recent
 * listing every live viewer of the instance shares (no extra LIST while
 * anyone watches, at most one per listing refresh otherwise). Undefined when
 * the heartbeat needs no proof, so callers list nothing then.
 */
export async function segmentProof(
  deps: ApiDeps,
  channel: string,
  status: ChannelStatus | undefined,
  nowMs: number,
): Promise<SegmentProof | undefined> {
  const targetDurationSeconds = deps.config.targetDuration;
  if (!needsSegmentProof(status, nowMs, targetDurationSeconds)) return undefined;
  const td = targetDurationSeconds * 1000;
  const segments = await listRecentShared(deps, channel, {
    startMs: nowMs - 4 * td,
    endMs: nowMs + td + 60_000,
  });
  let newest: number | undefined;
  for (const s of segments) newest = Math.max(newest ?? -Infinity, s.startMs + s.durationMs);
  return { targetDurationSeconds, newestSegmentEndMs: newest };
}
