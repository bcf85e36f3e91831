import type { Output } from "mediabunny";

/**
 * Media seconds per MP4 fragment, whatever the keyframe interval. The muxer
 * must hold a whole fragment before writing it (its moof names every
 * sample's size ahead of the mdat), and by itself it cuts only at
 * keyframes: with the recorder's one keyframe per 30 s segment, that is a
 * whole segment's frames (25 MB at 720p) held, copied twice on the way out,
 * and nothing sent until the next segment's keyframe has been read. One
 * second keeps that to about a megabyte and sends the first fragment as
 * soon as the first second is remuxed.
 */
export const FRAGMENT_SECONDS = 1;

/**
 * Where a fragment may end, from the video packets in decode order.
 *
 * A fragment need not start on a keyframe (each sample's flags say which
 * are sync samples, as in CMAF chunks), but the muxer derives decode times
 * by sorting the presentation times of the samples it holds, so a cut must
 * not split a reordering group: it goes before a packet shown after every
 * packet so far (an I or P picture; the B pictures that follow it in
 * decode order are shown after the pictures before it, so no decode time
 * goes back). Without B pictures every packet qualifies.
 */
export class FragmentCuts {
  private fragmentStart: number | undefined;
  private latestShown = -Infinity;

  constructor(private readonly seconds = FRAGMENT_SECONDS) {}

  /**
   * Whether to end the fragment before the video packet presented at
   * `timestamp` (seconds on the clip's timeline); call for every video
   * packet, in decode order.
   */
  before(timestamp: number): boolean {
    const opensGroup = timestamp > this.latestShown;
    this.latestShown = Math.max(this.latestShown, timestamp);
    if (this.fragmentStart === undefined) {
      this.fragmentStart = timestamp;
      return false;
    }
    if (!opensGroup || timestamp - this.fragmentStart < this.seconds) return false;
    this.fragmentStart = timestamp;
    return true;
  }
}

/** The muxer's own call that ends the current fragment (moof+mdat written and let go of). */
interface FragmentingMuxer {
  forceFragmentFinalization(): Promise<void>;
}

/**
 * The function that ends the output's current fragment. mediabunny has no
 * public option for fragment boundaries other than keyframes; its MP4
 * muxer keeps this one for callers that place them (pinned version, so a
 * change shows here at the first clip rather than as memory growth).
 */
export function fragmentEnder(output: Output): () => Promise<void> {
  const muxer = (output as unknown as { _muxer?: Partial<FragmentingMuxer> })._muxer;
  const force = muxer?.forceFragmentFinalization;
  if (typeof force !== "function") {
    throw new Error("this mediabunny version's MP4 muxer cannot end a fragment on request");
  }
  return () => force.call(muxer);
}
