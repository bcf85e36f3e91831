import {
  CHANNEL_STATUS_SCHEMA,
  type ChannelMedia,
  formatTime,
  type RunRecord,
  runKey,
} from "@kiroku/shared";
import type { MetaWriter } from "./meta-writer";

/**
 * One record per recording run at `{movieKey}/_meta/{channel}/runs/{inv}_r{run}.json`
 * (newest first in a listing; shape in shared/src/channel-status.ts): written
 * when the run starts (`endedAt: null`), again when its media info is known,
 * and rewritten when it ends with the reason. Writes go through the
 * MetaWriter: an outage delays them, the latest version of each record wins.
 */
export class RunHistory {
  private readonly runs = new Map<string, { key: string; record: RunRecord }>();
  private readonly clock: () => number;

  constructor(
    private readonly opts: {
      writer: MetaWriter;
      movieKey: string;
      hostname: string;
      recorderVersion: string;
      clock?: () => number;
    },
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  runStarted(e: {
    channel: string;
    run: number;
    startMs: number;
    source: string;
    remoteAddress?: string;
    media?: ChannelMedia;
  }): RunRecord {
    const record: RunRecord = {
      schema: CHANNEL_STATUS_SCHEMA,
      channel: e.channel,
      run: e.run,
      startedAt: formatTime(e.startMs),
      endedAt: null,
      endReason: null,
      source: e.source,
      ...(e.remoteAddress ? { remoteAddress: e.remoteAddress } : {}),
      ...(e.media ? { media: e.media } : {}),
      recorderVersion: this.opts.recorderVersion,
      hostname: this.opts.hostname,
      updatedAt: formatTime(this.clock()),
    };
    const key = runKey(this.opts.movieKey, e.channel, e.run, e.startMs);
    this.runs.set(id(e.channel, e.run), { key, record });
    // Ended runs are kept only until their final write is queued.
    this.opts.writer.put(key, record);
    return record;
  }

  /** Media info learned after the run started (ffmpeg reports it with the first segment). */
  media(channel: string, run: number, media: ChannelMedia): void {
    const entry = this.runs.get(id(channel, run));
    if (!entry) return;
    entry.record = { ...entry.record, media, updatedAt: formatTime(this.clock()) };
    this.opts.writer.put(entry.key, entry.record);
  }

  runEnded(e: {
    channel: string;
    run: number;
    endMs: number;
    reason: string;
  }): RunRecord | undefined {
    const entry = this.runs.get(id(e.channel, e.run));
    if (!entry) return undefined;
    entry.record = {
      ...entry.record,
      endedAt: formatTime(e.endMs),
      endReason: e.reason,
      updatedAt: formatTime(this.clock()),
    };
    this.opts.writer.put(entry.key, entry.record);
    this.runs.delete(id(e.channel, e.run));
    return entry.record;
  }

  /** Runs still open (at shutdown the daemon ends them with reason `shutdown`). */
  open(): RunRecord[] {
    return [...this.runs.values()].map((r) => r.record);
  }
}

function id(channel: string, run: number): string {
  return `${channel}\u0000${run}`;
}
