/**
 * Where each segment's packets land on an MP4 clip's timeline. Pure
 * functions over packet times, so the rules are tested without media.
 */

/** What the timeline needs of a packet (mediabunny's EncodedPacket has it). */
export interface TimedPacket {
  /** Presentation time, seconds. */
  timestamp: number;
  /** Seconds. */
  duration: number;
  type: "key" | "delta";
}

export type TrackPackets<P extends TimedPacket = TimedPacket> = P[];

/**
 * Drops what comes before the keyframe at or before `fromSeconds` (seconds
 * after the segment's first video packet; negative means before the
 * segment). Video is in decode order; after the keyframe, frames that
 * present before it (open-GOP leading pictures, which need the dropped
 * frames) go too, and so does audio before it, so every track starts at
 * the keyframe. `offsetSeconds` is how far into the segment that keyframe is.
 */
export function trimToKeyframe<P extends TimedPacket>(
  video: TrackPackets<P>,
  audio: TrackPackets<P> | undefined,
  fromSeconds: number,
): { video: TrackPackets<P>; audio: TrackPackets<P> | undefined; offsetSeconds: number } {
  const origin = video[0]?.timestamp ?? 0;
  const target = origin + fromSeconds;
  let keyIndex = 0;
  for (let i = 0; i < video.length; i++) {
    const p = video[i]!;
    if (p.type === "key" && p.timestamp <= target + 1e-6) keyIndex = i;
  }
  const keyTs = video[keyIndex]?.timestamp ?? origin;
  return {
    video: video.slice(keyIndex).filter((p) => p.timestamp >= keyTs),
    audio: audio?.filter((p) => p.timestamp >= keyTs),
    offsetSeconds: keyTs - origin,
  };
}

/** The timeline after the pieces placed so far. */
export interface PieceState {
  run: number;
  seq: number;
  /** Seconds added to this piece's packet times. */
  shift: number;
  /** Where the clip's timeline ends so far (seconds). */
  end: number;
  /** The latest packet end of the last segment, in its own time (to catch a timestamp wrap). */
  inputEnd: number;
}

/**
 * Places one segment: a segment that follows the previous one in the same
 * run (next sequence number, timestamps going on) keeps the run's shift, so
 * its own timestamps carry the exact spacing; otherwise (a restart, a
 * missing segment, a timestamp wrap) it starts a new piece right where the
 * clip ends so far, leaving the gap out.
 */
export function placePiece(
  state: PieceState | undefined,
  segment: { run: number; seq: number },
  video: readonly TimedPacket[],
  audio: readonly TimedPacket[] | undefined,
): PieceState {
  const first = Math.min(video[0]?.timestamp ?? Infinity, audio?.[0]?.timestamp ?? Infinity);
  const inputEnd = Math.max(endOf(video), audio ? endOf(audio) : -Infinity);
  const continues =
    state !== undefined &&
    segment.run === state.run &&
    segment.seq === state.seq + 1 &&
    first >= state.inputEnd - 1;
  const shift = continues ? state.shift : (state?.end ?? 0) - (Number.isFinite(first) ? first : 0);
  const end = Math.max(state?.end ?? 0, inputEnd + shift);
  return { run: segment.run, seq: segment.seq, shift, end, inputEnd };
}

function endOf(packets: readonly TimedPacket[]): number {
  let end = -Infinity;
  for (const p of packets) end = Math.max(end, p.timestamp + p.duration);
  return end;
}
