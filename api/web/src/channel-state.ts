import type { ApiClient } from "./api-client";
import { type ChannelStat, type StateWord, stateDetail, stateWord } from "./channel-state-words";
import type { Severity } from "./messages";

export interface ChannelStateHandlers {
  /** The channel's state word changed (or was read the first time). */
  onState(channel: string, word: StateWord, stat: ChannelStat): void;
  /** Every reading, changed or not (the reason and backlog move on while the word stays). */
  onRead?(channel: string, word: StateWord, stat: ChannelStat): void;
  /** `stat` could not be read (a wrong token, the API unreachable). */
  onUnreadable?(channel: string, message: string): void;
  say(text: string, severity?: Severity): void;
}

const POLL_MS = 5_000; // gentle: one small JSON request, cached by nobody
const POLL_HIDDEN_MS = 20_000; // a tab in the background
const POLL_AFTER_CHANGE_MS = 2_000; // right after Enable/Disable, until the state follows
const FAST_FOR_MS = 90_000;

/**
 * The selected channel's state as a word (Live, Idle, Disabled, Error) with
 * its reason, and Enable/Disable buttons when the page holds a token (the
 * only credential that may change a channel). It polls `stat`, never
 * `live.m3u8`: the page starts the live player only once this says Live.
 */
export class ChannelStatePanel {
  private channel = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fastUntil = 0;
  private last: StateWord | undefined;
  private readonly word: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly enable: HTMLButtonElement;
  private readonly disable: HTMLButtonElement;

  constructor(
    private readonly el: HTMLElement,
    private readonly api: ApiClient,
    private readonly handlers: ChannelStateHandlers,
  ) {
    this.word = el.querySelector(".state-word")!;
    this.detail = el.querySelector(".state-detail")!;
    this.enable = el.querySelector(".state-enable")!;
    this.disable = el.querySelector(".state-disable")!;
    this.enable.addEventListener("click", () => void this.setStatus("enabled"));
    this.disable.addEventListener("click", () => void this.setStatus("disabled"));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.channel) this.poll(0);
    });
  }

  get state(): StateWord | undefined {
    return this.last;
  }

  /** Follows `channel` (empty: none). */
  watch(channel: string): void {
    this.channel = channel;
    this.last = undefined;
    this.el.hidden = channel === "";
    this.word.textContent = "…";
    this.word.dataset.state = "";
    this.detail.textContent = "";
    this.enable.hidden = true;
    this.disable.hidden = true;
    if (channel) this.poll(0);
    else clearTimeout(this.timer);
  }

  /** Reads the state now (e.g. after the player lost the live stream). */
  refresh(): void {
    if (this.channel) this.poll(0);
  }

  private poll(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.read(), delayMs);
  }

  private async read(): Promise<void> {
    const channel = this.channel;
    try {
      const stat = await this.api.json<ChannelStat>("GET", `/v1/channels/${channel}/stat`);
      if (channel !== this.channel) return;
      this.render(stat);
    } catch (err) {
      if (channel !== this.channel) return;
      this.word.textContent = "Unknown";
      this.word.dataset.state = "Unknown";
      this.detail.textContent = `The channel's state cannot be read: ${(err as Error).message}`;
      this.last = undefined;
      this.handlers.onUnreadable?.(channel, this.detail.textContent);
    }
    const next =
      Date.now() < this.fastUntil
        ? POLL_AFTER_CHANGE_MS
        : document.hidden
          ? POLL_HIDDEN_MS
          : POLL_MS;
    if (channel === this.channel) this.poll(next);
  }

  private render(stat: ChannelStat): void {
    const word = stateWord(stat);
    this.word.textContent = word;
    this.word.dataset.state = word;
    this.el.dataset.state = word;
    this.detail.textContent = stateDetail(stat, Date.now());
    this.detail.title = this.detail.textContent;
    const canWrite = this.api.token !== undefined;
    const disabled = stat.state === "Disabled" || stat.settingsStatus === "disabled";
    this.enable.hidden = !canWrite || !disabled;
    this.disable.hidden = !canWrite || disabled;
    if (word !== this.last) {
      this.last = word;
      this.handlers.onState(this.channel, word, stat);
    }
    this.handlers.onRead?.(this.channel, word, stat);
  }

  private async setStatus(status: "enabled" | "disabled"): Promise<void> {
    const channel = this.channel;
    const button = status === "enabled" ? this.enable : this.disable;
    button.disabled = true;
    try {
      await this.api.json("PUT", `/v1/channels/${channel}/status`, { status });
      this.handlers.say(
        status === "enabled"
          ? `${channel} enabled: the recorder starts within its settings interval; the page goes live when the first segments arrive.`
          : `${channel} disabled: the recorder stops recording it.`,
        "info",
      );
      this.fastUntil = Date.now() + FAST_FOR_MS;
      this.poll(0);
    } catch (err) {
      this.handlers.say(
        `Could not ${status === "enabled" ? "enable" : "disable"} ${channel}: ${(err as Error).message}`,
        "error",
      );
    } finally {
      button.disabled = false;
    }
  }
}
