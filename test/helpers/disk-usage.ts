import { Worker } from "node:worker_threads";

/**
 * Measures a folder on disk as `du -sb` counts it: apparent sizes of every
 * regular file however deep, each inode once however many names it has
 * (hard links), symlinks not followed. Written here on purpose, not imported
 * from the recorder: a test of the spool bound must not measure with the
 * code under test.
 *
 * The sampler runs on a worker thread of its own that sleeps with
 * `Atomics.wait` between walks, so neither the test's event loop (parsing a
 * daemon's log, polling its metrics) nor timer coalescing delays a sample:
 * on a busy machine only the scheduler can. Each walk is synchronous: one
 * uninterrupted look.
 */
const WORKER_SOURCE = `
const { lstatSync, readdirSync } = require("node:fs");
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");

function duBytes(dir) {
  const seen = new Set();
  let total = 0;
  const walk = (folder) => {
    let names;
    try {
      names = readdirSync(folder);
    } catch {
      return; // removed while we looked
    }
    for (const name of names) {
      const p = path.join(folder, name);
      let st;
      try {
        st = lstatSync(p, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const id = st.dev + ":" + st.ino;
        if (seen.has(id)) continue;
        seen.add(id);
        total += Number(st.size);
      }
    }
  };
  walk(dir);
  return total;
}

const { dir, everyMs, limit, stop } = workerData;
const flag = new Int32Array(stop);
const gaps = [];
const over = [];
let overCount = 0, count = 0, peak = 0, peakAtMs = 0, last = 0;
while (Atomics.load(flag, 0) === 0) {
  const t = performance.now();
  if (last > 0) gaps.push(t - last);
  last = t;
  const bytes = duBytes(dir);
  count++;
  if (bytes > peak) { peak = bytes; peakAtMs = Date.now(); }
  if (bytes > limit) { overCount++; if (over.length < 20) over.push([Date.now(), bytes]); }
  const wait = everyMs - (performance.now() - t);
  if (wait > 0) Atomics.wait(flag, 0, 0, wait);
}
gaps.sort((a, b) => a - b);
parentPort.postMessage({
  count, peak, peakAtMs, over, overCount,
  medianGapMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
  p99GapMs: gaps[Math.floor(gaps.length * 0.99)] ?? 0,
  maxGapMs: gaps.at(-1) ?? 0,
});
`;

/** What a disk usage sampler saw. */
export interface SpoolSamples {
  count: number;
  /** Largest usage seen, bytes. */
  peak: number;
  /** When the peak was seen (epoch ms). */
  peakAtMs: number;
  /** Samples over `limit`, each `[epoch ms, bytes]` (the first 20). */
  over: [number, number][];
  overCount: number;
  /** Gaps between the starts of consecutive samples, ms. */
  medianGapMs: number;
  p99GapMs: number;
  maxGapMs: number;
}

/**
 * Samples the `du -sb` usage of `dir` every `everyMs` on a worker thread
 * until `stop()`, keeping the peak and every sample over `limit`.
 */
export function sampleDiskUsage(dir: string, everyMs: number, limit: number) {
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { dir, everyMs, limit, stop },
  });
  const result = new Promise<SpoolSamples>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`disk usage sampler exited (${code})`)));
  });
  return {
    async stop(): Promise<SpoolSamples> {
      const flag = new Int32Array(stop);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      const samples = await result;
      await worker.terminate();
      return samples;
    },
  };
}
