import type { RunEndReason } from "@kiroku/shared";

/**
 * Why a recording run ended is one word of RUN_END_REASONS (shared): the run
 * history's `endReason`, the README's list and the operator CLI's REASON
 * column all use it; the particulars (ffmpeg's exit and last line, the drift
 * measured) travel apart as `endDetail`.
 */
export type { RunEndReason };

/** The word for a stop the recorder asked for itself: `stop(reason)`, or the stall watchdog. */
export function stopReasonWord(killReason: string): RunEndReason {
  if (killReason === "disabled") return "disabled";
  if (killReason.startsWith("stall")) return "ffmpeg-error";
  return "shutdown";
}
