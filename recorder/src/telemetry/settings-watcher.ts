import { EventEmitter } from "node:events";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { type ChannelSettingStatus, type Logger, readChannelSettings } from "@kiroku/shared";
import { writeDurable } from "../spool/durable-write";
import { channelSpool } from "../spool/spool-layout";

/**
 * Polls each channel's settings object in the bucket (written by the API's
 * `PUT /v1/channels/:ch[/status]`) so that enabling or disabling a channel
 * reaches the camera: the bucket is the only thing recorder and API share.
 *
 * Fail open: a channel is recording unless its settings positively say
 * `disabled`. When the settings cannot be read (no network, no permission,
 * a broken object) the last known answer stands (enabled at start), the
 * problem is logged once per streak and reported through `problem`, and
 * recording goes on; a camera must never go dark because S3 is unreachable.
 *
 * With `cacheDir` (the spool) the last known answer also stands across
 * restarts: each change is kept in `{cacheDir}/{channel}/settings.json`, and
 * `loadCached()` reads it back before the cameras start, so a channel seen
 * disabled stays off at the next start without waiting for S3 (which the
 * cameras never do). A channel never seen disabled starts (fail open) and is
 * stopped as soon as a late answer says disabled.
 */
export interface SettingsWatcherEvents {
  /** The channel's wanted status changed (the first answer counts as a change when it is `disabled`). */
  change: [{ channel: string; status: ChannelSettingStatus }];
  /** Reading the channel's settings failed (message) or works again (undefined). */
  problem: [{ channel: string; message: string | undefined }];
}

export interface SettingsWatcherOptions {
  channels: readonly string[];
  /** Reads a channel's wanted status; undefined when it has no settings. Injectable for tests. */
  read: (channel: string, signal: AbortSignal) => Promise<ChannelSettingStatus | undefined>;
  intervalMs: number;
  log: Logger;
  /** Keep each channel's last known status here across restarts (the spool folder). */
  cacheDir?: string;
}

export class SettingsWatcher extends EventEmitter<SettingsWatcherEvents> {
  private readonly wanted = new Map<string, ChannelSettingStatus>();
  private readonly failing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private polling: Promise<void> | undefined;
  private cacheWrites = Promise.resolve();

  constructor(private readonly opts: SettingsWatcherOptions) {
    super();
  }

  /** The wanted status of a channel as last known (enabled until the settings say otherwise). */
  status(channel: string): ChannelSettingStatus {
    return this.wanted.get(channel) ?? "enabled";
  }

  /** Takes each channel's last known status from the local cache (no event; a missing or junk file is no answer). */
  async loadCached(): Promise<void> {
    const dir = this.opts.cacheDir;
    if (!dir) return;
    await Promise.all(
      this.opts.channels.map(async (channel) => {
        try {
          const json = JSON.parse(await readFile(cacheFile(dir, channel), "utf8"));
          if (json?.status === "disabled" || json?.status === "enabled") {
            this.wanted.set(channel, json.status);
            if (json.status === "disabled")
              this.opts.log.info(
                { channel },
                "channel disabled when last seen; it stays off until its settings say enabled",
              );
          }
        } catch {}
      }),
    );
  }

  /** Resolves once the cache writes queued so far are done (shutdown, tests). */
  flushCache(): Promise<void> {
    return this.cacheWrites;
  }

  /** Reads every channel's settings once now (so a disabled channel never starts), then on the interval. */
  async start(): Promise<void> {
    await this.poll();
    if (this.abort.signal.aborted) return; // stopped while the first read was out
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = undefined;
      });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.polling;
  }

  /** One round over every channel, concurrently. */
  async poll(): Promise<void> {
    await Promise.all(this.opts.channels.map((channel) => this.pollChannel(channel)));
  }

  private async pollChannel(channel: string): Promise<void> {
    let status: ChannelSettingStatus;
    try {
      status = (await this.opts.read(channel, this.abort.signal)) ?? "enabled";
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const message = `cannot read the channel settings, recording on (fail open): ${describe(err)}`;
      if (!this.failing.has(channel)) {
        this.failing.add(channel);
        this.opts.log.warn(
          { channel, err: describe(err) },
          "cannot read the channel settings; recording continues (fail open)",
        );
        this.emit("problem", { channel, message });
      }
      return;
    }
    if (this.failing.delete(channel)) {
      this.opts.log.info({ channel }, "channel settings readable again");
      this.emit("problem", { channel, message: undefined });
    }
    if (status !== this.status(channel)) {
      this.wanted.set(channel, status);
      this.remember(channel, status);
      this.opts.log.info({ channel, status }, `channel ${status} in its settings`);
      this.emit("change", { channel, status });
    }
  }

  /** Writes the channel's status to the cache, in order, never failing the poll. */
  private remember(channel: string, status: ChannelSettingStatus): void {
    const dir = this.opts.cacheDir;
    if (!dir) return;
    const file = cacheFile(dir, channel);
    this.cacheWrites = this.cacheWrites
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await writeDurable(file, `${JSON.stringify({ status, at: new Date().toISOString() })}\n`);
      })
      .catch((err) =>
        this.opts.log.warn({ channel, err: String(err) }, "cannot keep the channel status locally"),
      );
  }
}

/** Where a channel's last known status is kept. */
function cacheFile(dir: string, channel: string): string {
  return path.join(channelSpool(dir, channel).root, "settings.json");
}

/** The settings reader of the daemon: the channel settings object in the bucket. */
export function bucketSettingsReader(s3: S3Client, bucket: string, movieKey: string) {
  return async (channel: string, signal: AbortSignal) =>
    (await readChannelSettings(s3, bucket, movieKey, channel, signal))?.status;
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e.name ?? e.code, e.message].filter(Boolean).join(": ") || String(err);
}
