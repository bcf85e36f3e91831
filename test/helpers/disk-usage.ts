import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Measures a folder on disk as `du -sb` counts it: apparent sizes of every
 * regular file however deep, each inode once however many names it has
 * (hard links), symlinks not followed. Written here on purpose, not imported
 * from the recorder: a test of the spool bound must not measure with the
 * code under test.
 *
 * The sampler is a small Node process of its own that sleeps with
 * `Atomics.wait` between walks, so the test's event loop (parsing a daemon's
 * log, polling its metrics) never delays a sample, and it asks for a higher
 * scheduling priority (nice -10, when allowed) so a machine busy with other
 * work does not thin its samples. Each walk is synchronous: one
 * uninterrupted look.
 */
const SAMPLER_SOURCE = `
const { existsSync, lstatSync, readdirSync } = require("node:fs");
const path = require("node:path");

function duBytes(dir, files) {
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
        if (files) files.push([path.relative(dir, p), Number(st.size)]);
      }
    }
  };
  walk(dir);
  return total;
}

const { dir, everyMs, limit, stopFile } = JSON.parse(process.argv[1]);
const flag = new Int32Array(new SharedArrayBuffer(4));
const gaps = [];
const over = [];
let overCount = 0, count = 0, peak = 0, peakAtMs = 0, last = 0, firstOverFiles;
while (!existsSync(stopFile)) {
  const t = performance.now();
  if (last > 0) gaps.push(t - last);
  last = t;
  const bytes = duBytes(dir);
  count++;
  if (bytes > peak) { peak = bytes; peakAtMs = Date.now(); }
  if (bytes > limit) {
    overCount++;
    if (over.length < 20) over.push([Date.now(), bytes]);
    if (!firstOverFiles) { firstOverFiles = []; duBytes(dir, firstOverFiles); }
  }
  const wait = everyMs - (performance.now() - t);
  if (wait > 0) Atomics.wait(flag, 0, 0, wait);
}
gaps.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({
  count, peak, peakAtMs, over, overCount, firstOverFiles,
  medianGapMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
  p99GapMs: gaps[Math.floor(gaps.length * 0.99)] ?? 0,
  maxGapMs: gaps.at(-1) ?? 0,
}));
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
  /** What the folder held when it was first seen over `limit`: `[relative path, bytes]`. */
  firstOverFiles?: [string, number][];
  /** Gaps between the starts of consecutive samples, ms. */
  medianGapMs: number;
  p99GapMs: number;
  maxGapMs: number;
}

/**
 * Samples the `du -sb` usage of `dir` every `everyMs` in a process of its
 * own until `stop()`, keeping the peak and every sample over `limit`.
 */
export function sampleDiskUsage(dir: string, everyMs: number, limit: number) {
  const control = mkdtempSync(path.join(os.tmpdir(), "kiroku-du-"));
  const stopFile = path.join(control, "stop");
  const child = spawn(
    process.execPath,
    ["-e", SAMPLER_SOURCE, JSON.stringify({ dir, everyMs, limit, stopFile })],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    os.setPriority(child.pid!, -10);
  } catch {
    // Not allowed here (not root): the sampler runs at normal priority.
  }
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const result = new Promise<SpoolSamples>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      rmSync(control, { recursive: true, force: true });
      try {
        resolve(JSON.parse(out) as SpoolSamples);
      } catch {
        reject(new Error(`disk usage sampler exited (${code}) without its figures`));
      }
    });
  });
  return {
    stop(): Promise<SpoolSamples> {
      writeFileSync(stopFile, "");
      return result;
    },
  };
}
