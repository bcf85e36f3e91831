import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * The bytes a folder holds on disk as `du -sb` counts them: apparent sizes of
 * every regular file however deep, each inode once however many names it has
 * (hard links), symlinks not followed. Written here on purpose, not imported
 * from the recorder: a test of the spool bound must not measure with the
 * code under test. Synchronous, so one walk is one uninterrupted look.
 */
export function duBytes(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (folder: string) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return; // removed while we looked
    }
    for (const name of names) {
      const p = path.join(folder, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
        total += Number(st.size);
      }
    }
  };
  walk(dir);
  return total;
}

/** What a `SpoolSampler` saw. */
export interface SpoolSamples {
  count: number;
  /** Largest usage seen, bytes. */
  peak: number;
  /** When the peak was seen (epoch ms). */
  peakAtMs: number;
  /** Samples over `limit`, each `[epoch ms, bytes]` (the first 20). */
  over: [number, number][];
  overCount: number;
  /** Gaps between the starts of consecutive samples, ms: median and largest. */
  medianGapMs: number;
  maxGapMs: number;
}

/**
 * Samples `duBytes(dir)` every `everyMs` (a timer that re-arms after each
 * walk) until `stop()`, keeping the peak and every sample over `limit`.
 */
export function sampleDiskUsage(dir: string, everyMs: number, limit: number) {
  const gaps: number[] = [];
  const over: [number, number][] = [];
  let overCount = 0;
  let count = 0;
  let peak = 0;
  let peakAtMs = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const t = performance.now();
    if (last > 0) gaps.push(t - last);
    last = t;
    const bytes = duBytes(dir);
    count++;
    if (bytes > peak) {
      peak = bytes;
      peakAtMs = Date.now();
    }
    if (bytes > limit) {
      overCount++;
      if (over.length < 20) over.push([Date.now(), bytes]);
    }
    timer = setTimeout(tick, Math.max(0, everyMs - (performance.now() - t)));
  };
  tick();
  return {
    stop(): SpoolSamples {
      if (timer) clearTimeout(timer);
      const sorted = [...gaps].sort((a, b) => a - b);
      return {
        count,
        peak,
        peakAtMs,
        over,
        overCount,
        medianGapMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        maxGapMs: sorted.at(-1) ?? 0,
      };
    },
  };
}
