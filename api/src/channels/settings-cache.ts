import type { ChannelSettings } from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { getSettings } from "./channel-store";
import { cachedMeta, rememberMeta } from "./meta-cache";

const keyOf = (channel: string) => `settings|${channel}`;

/**
 * The channel's settings, at most META_CACHE_MS old (undefined: none
 * stored). The read is shared by concurrent callers, so one caller's abort
 * (`_signal`) must not cancel it for the others: it is not passed on.
 */
export function cachedSettings(
  deps: ApiDeps,
  channel: string,
  _signal?: AbortSignal,
): Promise<ChannelSettings | undefined> {
  return cachedMeta(deps, keyOf(channel), () => getSettings(deps, channel));
}

/** Records settings just written (or deleted: undefined) so this instance serves them at once. */
export function rememberSettings(
  deps: ApiDeps,
  channel: string,
  settings: ChannelSettings | undefined,
): void {
  rememberMeta(deps, keyOf(channel), settings);
}

/**
 * The live window of a channel: its settings' `liveWindow`, else LIVE_WINDOW.
 * Fails open: when the settings cannot be read the default is used (and
 * logged), because a live stream should not stop over a metadata read.
 */
export async function liveWindowOf(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<number> {
  try {
    return (await cachedSettings(deps, channel, signal))?.liveWindow ?? deps.config.liveWindow;
  } catch (err) {
    deps.logger.warn(
      { channel, err },
      "cannot read channel settings; live window falls back to LIVE_WINDOW",
    );
    return deps.config.liveWindow;
  }
}
