import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { FIRST_SEQ } from "@kiroku/shared";
import { fsyncDir, writeDurable } from "./durable-write";
import { parseHeldFileName } from "./held-segments";
import { listNames } from "./spool";
import { type ChannelSpool, parseQueueFileName } from "./spool-layout";

/**
 * The channel's persisted counters, `{spool}/{channel}/state.json`:
 *
 *   { "version": 1, "nextRun": 43, "nextSeq": 1235, "nextAttempt": 17 }
 *
 * - `seq` numbers every segment of the channel, monotonic forever.
 * - `run` is assigned lazily, when a run's first segment completes, so every
 *   run number that exists has at least one segment and the run numbers that
 *   have segments are consecutive (the API derives stable live discontinuity
 *   sequence numbers from that).
 * - `attempt` names the folder of each ffmpeg process (`incoming/a{N}`), so
 *   no two processes ever write into the same folder.
 *
 * Written durably (temp file, fsync, rename, fsync of the folder:
 * durable-write.ts) before the segment that used the numbers is announced,
 * and before the attempt folder it names is created. On load the counters are also raised past every
 * file already in `queue/`, `held/` and `uploaded/` and every attempt folder, so a lost
 * or stale state file can never make a key repeat.
 */
export interface SpoolCounters {
  nextRun: number;
  nextSeq: number;
  nextAttempt: number;
}

export class SpoolState {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly spool: ChannelSpool,
    private readonly channel: string,
    readonly counters: SpoolCounters,
  ) {}

  /** Reads state.json (tolerating a missing or corrupt one) and reconciles it with the folders. */
  static async load(spool: ChannelSpool, channel: string): Promise<SpoolState> {
    await mkdir(spool.incoming, { recursive: true });
    await mkdir(spool.queue, { recursive: true });
    // The folders themselves must survive a power cut before anything is moved into them.
    await fsyncDir(spool.root);
    await fsyncDir(path.dirname(spool.root));
    const counters: SpoolCounters = { nextRun: 1, nextSeq: FIRST_SEQ, nextAttempt: 1 };
    try {
      const saved = JSON.parse(await readFile(spool.state, "utf8")) as Partial<SpoolCounters>;
      for (const key of ["nextRun", "nextSeq", "nextAttempt"] as const) {
        const v = saved[key];
        if (typeof v === "number" && Number.isSafeInteger(v) && v > counters[key])
          counters[key] = v;
      }
    } catch {
      // Missing or corrupt: the folder scan below restores safe values.
    }
    for (const folder of [spool.queue, spool.held, spool.uploaded]) {
      for (const name of await listNames(folder)) {
        const ref = parseQueueFileName(channel, name) ?? parseHeldFileName(channel, name);
        if (!ref) continue;
        counters.nextRun = Math.max(counters.nextRun, ref.run + 1);
        counters.nextSeq = Math.max(counters.nextSeq, ref.seq + 1);
      }
    }
    for (const name of await listNames(spool.incoming)) {
      const n = /^a(\d+)$/.exec(name);
      if (n) counters.nextAttempt = Math.max(counters.nextAttempt, Number(n[1]) + 1);
    }
    return new SpoolState(spool, channel, counters);
  }

  /** Takes the next attempt number (persist with `save()`). */
  takeAttempt(): number {
    return this.counters.nextAttempt++;
  }

  takeRun(): number {
    return this.counters.nextRun++;
  }

  takeSeq(): number {
    return this.counters.nextSeq++;
  }

  /** Writes the counters atomically; saves are serialized. */
  save(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, channel: this.channel, ...this.counters });
    this.saving = this.saving.then(() => writeDurable(this.spool.state, `${snapshot}\n`));
    return this.saving;
  }
}
