import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import {
  CHANNEL_STATUS_SCHEMA,
  type ChannelMedia,
  formatTime,
  isChannelName,
  type Logger,
  parseRunRecord,
  type RunRecord,
  runKey,
} from "@kiroku/shared";
import { writeDurable } from "../spool/durable-write";
import { channelSpool } from "../spool/spool-layout";
import type { MetaWriter } from "./meta-writer";

/**
 * One record per recording run at `{movieKey}/_meta/{channel}/runs/{inv}_r{run}.json`
 * (newest first in a listing; shape in shared/src/channel-status.ts): written
 * when the run starts (`endedAt: null`, with the media info ffmpeg reported
 * by the run's first segment) and rewritten when it ends with the reason. Writes go through the
 * MetaWriter: an outage delays them, the latest version of each record wins.
 *
 * Crashes: with `spoolDir`, each run also has a local journal,
 * `{SPOOL_DIR}/{channel}/runs/r{run}.json` (`{ key, record, lastSegmentEndMs }`),
 * rewritten atomically when the run starts, at each of its segments and when
 * it ends, and deleted once the bucket holds the ended record. A run whose
 * journal is still open at the next start was cut off by a crash, SIGKILL or
 * power loss: `recoverOpenRuns()` closes it with `endReason: "unknown"` and
 * `endedAt` = the end of its last segment known to have completed (its start
 * when none is known). A journal that holds an ended record whose bucket
 * write was not confirmed is written again as it is.
 */
export interface RunHistoryOptions {
  writer: MetaWriter;
  movieKey: string;
  hostname: string;
  recorderVersion: string;
  clock?: () => number;
  /** Where the local run journals live (none: no crash recovery). */
  spoolDir?: string;
  log?: Logger;
}

/** What the local journal of a run holds. */
interface Journal {
  key: string;
  record: RunRecord;
  /** End of the run's newest completed segment (epoch ms). */
  lastSegmentEndMs?: number;
}

export class RunHistory {
  private readonly runs = new Map<string, Journal>();
  private readonly journalWrites = new Map<string, Promise<void>>();
  private readonly clock: () => number;

  constructor(private readonly opts: RunHistoryOptions) {
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
    const entry: Journal = { key, record };
    // Ended runs are kept only until their final write is queued.
    this.runs.set(id(e.channel, e.run), entry);
    this.opts.writer.put(key, record);
    this.journal(e.channel, e.run, entry);
    return record;
  }

  /** A segment of an open run completed: its end is where the run ends should the recorder die now. */
  segment(seg: { channel: string; run: number; startMs: number; durationMs: number }): void {
    const entry = this.runs.get(id(seg.channel, seg.run));
    if (!entry) return;
    const end = seg.startMs + seg.durationMs;
    if (entry.lastSegmentEndMs !== undefined && entry.lastSegmentEndMs >= end) return;
    entry.lastSegmentEndMs = end;
    this.journal(seg.channel, seg.run, entry);
  }

  runEnded(e: {
    channel: string;
    run: number;
    endMs: number;
    reason: string;
    detail?: string;
  }): RunRecord | undefined {
    const entry = this.runs.get(id(e.channel, e.run));
    if (!entry) return undefined;
    entry.record = {
      ...entry.record,
      endedAt: formatTime(e.endMs),
      endReason: e.reason,
      ...(e.detail !== undefined ? { endDetail: e.detail.slice(0, 300) } : {}),
      updatedAt: formatTime(this.clock()),
    };
    this.runs.delete(id(e.channel, e.run));
    this.journal(e.channel, e.run, entry);
    this.opts.writer.put(entry.key, entry.record, () => this.forget(e.channel, e.run));
    return entry.record;
  }

  /** Runs still open (at shutdown the daemon ends them with reason `shutdown`). */
  open(): RunRecord[] {
    return [...this.runs.values()].map((r) => r.record);
  }

  /**
   * Start-up, before any recorder runs: closes the runs a previous process
   * left open (see above) and re-queues ended records it did not get into
   * the bucket. Never waits for the store. Returns the records queued.
   */
  async recoverOpenRuns(): Promise<RunRecord[]> {
    const spoolDir = this.opts.spoolDir;
    if (!spoolDir) return [];
    const out: RunRecord[] = [];
    for (const channel of (await names(spoolDir)).filter(isChannelName)) {
      const folder = journalFolder(spoolDir, channel);
      for (const name of await names(folder)) {
        const m = /^r(\d+)\.json$/.exec(name);
        if (!m) continue;
        const run = Number(m[1]);
        if (this.runs.has(id(channel, run))) continue;
        const file = path.join(folder, name);
        const journal = await readJournal(file);
        if (
          !journal ||
          journal.record.channel !== channel ||
          journal.record.run !== run ||
          // Only ever write where this run's record belongs.
          journal.key !==
            runKey(this.opts.movieKey, channel, run, Date.parse(journal.record.startedAt))
        ) {
          this.opts.log?.warn({ channel, file: name }, "unreadable run journal removed");
          await unlink(file).catch(() => {});
          continue;
        }
        let record = journal.record;
        if (record.endedAt === null) {
          const endMs = journal.lastSegmentEndMs ?? Date.parse(record.startedAt);
          record = {
            ...record,
            endedAt: formatTime(endMs),
            endReason: "unknown",
            updatedAt: formatTime(this.clock()),
          };
          this.opts.log?.warn(
            { channel, run, endedAt: record.endedAt },
            "a run left open by a crash is closed at its last known segment (end reason unknown)",
          );
          await this.journalNow(channel, run, { ...journal, record });
        }
        this.opts.writer.put(journal.key, record, () => this.forget(channel, run));
        out.push(record);
      }
    }
    return out;
  }

  /** Resolves once the journal writes queued so far are on disk (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all(this.journalWrites.values());
  }

  private journal(channel: string, run: number, entry: Journal): void {
    const snapshot: Journal = { ...entry };
    void this.journalNow(channel, run, snapshot);
  }

  /** Queues a journal write behind the earlier ones of the same run. */
  private journalNow(channel: string, run: number, entry: Journal): Promise<void> {
    const spoolDir = this.opts.spoolDir;
    if (!spoolDir) return Promise.resolve();
    const file = journalFile(spoolDir, channel, run);
    return this.chain(file, async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeDurable(file, `${JSON.stringify(entry)}\n`);
    });
  }

  /** The bucket holds the ended record: the journal is no longer needed. */
  private forget(channel: string, run: number): void {
    const spoolDir = this.opts.spoolDir;
    if (!spoolDir) return;
    const file = journalFile(spoolDir, channel, run);
    void this.chain(file, () => unlink(file).catch(() => {}));
  }

  private chain(file: string, step: () => Promise<void>): Promise<void> {
    const next = (this.journalWrites.get(file) ?? Promise.resolve())
      .then(step)
      .catch((err) =>
        this.opts.log?.warn({ file, err: String(err) }, "run journal could not be written"),
      );
    this.journalWrites.set(file, next);
    void next.then(() => {
      if (this.journalWrites.get(file) === next) this.journalWrites.delete(file);
    });
    return next;
  }
}

function id(channel: string, run: number): string {
  return `${channel}\u0000${run}`;
}

function journalFolder(spoolDir: string, channel: string): string {
  return path.join(channelSpool(spoolDir, channel).root, "runs");
}

function journalFile(spoolDir: string, channel: string, run: number): string {
  return path.join(journalFolder(spoolDir, channel), `r${run}.json`);
}

async function readJournal(file: string): Promise<Journal | undefined> {
  try {
    const json = JSON.parse(await readFile(file, "utf8")) as Partial<Journal>;
    const record = parseRunRecord(json.record);
    if (!record || typeof json.key !== "string") return undefined;
    const end = json.lastSegmentEndMs;
    return {
      key: json.key,
      record,
      ...(typeof end === "number" && Number.isFinite(end) ? { lastSegmentEndMs: end } : {}),
    };
  } catch {
    return undefined;
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
