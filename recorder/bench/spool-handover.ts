// What power-cut durability costs per segment: the move of a closed segment
// from its attempt folder into queue/ (spool/queue-handover.ts: the content
// hash of the bytes the verifier already read, as the recorder does, fsync of
// the file, a journal line fsynced, link, fsync of queue/, unlink), timed
// with fsync and without, alternating so both see the
// same machine. Each segment file is freshly written just before its move
// (all of it still dirty in the page cache: the worst case; ffmpeg's writeback
// over a 30 s segment usually leaves less). The spool sits in
// BENCH_SPOOL_DIR (default: the OS temp folder; use the disk the spool will
// live on). Prints the figures as JSON on the last line for `pnpm bench`.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { queueSegment } from "../src/spool/queue-handover";
import { channelSpool } from "../src/spool/spool-layout";

// 30 s at 2 Mbit/s, a typical camera segment; BENCH_SEGMENT_BYTES to change it.
const segmentBytes = Number(process.env.BENCH_SEGMENT_BYTES ?? 7_500_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 25);
const base = process.env.BENCH_SPOOL_DIR ?? os.tmpdir();

const work = await mkdtemp(path.join(base, "kiroku-bench-handover-"));
const spool = channelSpool(work, "cam");
const attempt = path.join(spool.incoming, "a1");
await mkdir(attempt, { recursive: true });
await mkdir(spool.queue, { recursive: true });
const body = randomBytes(segmentBytes);

const timings: Record<"fsync" | "none", number[]> = { fsync: [], none: [] };
let n = 0;
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0
      ? (["fsync", "none"] as const)
      : (["none", "fsync"] as const)) {
      const file = path.join(attempt, `seg${String(n).padStart(6, "0")}.ts`);
      body.writeUInt32BE(n, 0); // distinct content per file
      await writeFile(file, body);
      const t0 = performance.now();
      const { path: queued } = await queueSegment({
        file,
        queueName: `2026-11-22_10-00-00.000Z_30000ms_r1_s${n}.ts`,
        spool,
        content: body,
        fsync: mode === "fsync",
      });
      timings[mode].push(performance.now() - t0);
      await rm(queued);
      n++;
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const withFsync = median(timings.fsync);
const without = median(timings.none);
console.log(
  `${rounds} segments of ${segmentBytes} bytes each way, spool in ${base}: ` +
    `move into queue/ ${round2(withFsync)} ms with fsync, ${round2(without)} ms without (medians)`,
);
console.log(
  JSON.stringify({
    segmentBytes,
    segments: rounds,
    handoverMedianMsWithFsync: round2(withFsync),
    handoverMedianMsWithoutFsync: round2(without),
    fsyncCostMsPerSegment: round2(withFsync - without),
  }),
);
