import type { ChannelSettings } from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { getSettings } from "./channel-store";
import { cachedMeta, rememberMeta } from "./meta-cache";

const keyOf = (channel: string) => `settings|${channel}`;

/** The channel's settings, at most META_CACHE_MS old (undefined: none stored). */
export function cachedSettings(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<ChannelSettings | undefined> {
  return cachedMeta(deps, keyOf(channel), () => getSettings(deps, channel, signal));
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
 * What the live playlist needs of a channel's settings: its window size and
 * whether it is disabled (the live playlist then ends). Fails open: unreadable
 * settings mean the defaults, enabled (and are logged), because a live
 * stream should not stop over a metadata read.
 */
export async function liveSettingsOf(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<{ windowSize: number; disabled: boolean }> {
  try {
    const settings = await cachedSettings(deps, channel, signal);
    return {
      windowSize: settings?.liveWindow ?? deps.config.liveWindow,
      disabled: settings?.status === "disabled",
    };
  } catch (err) {
    deps.logger.warn(
      { channel, err },
      "cannot read channel settings; the live playlist uses LIVE_WINDOW and treats the channel as enabled",
    );
    return { windowSize: deps.config.liveWindow, disabled: false };
  }
}
