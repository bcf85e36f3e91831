// Segment verification cost: what checking one 30-second segment costs the
// recorder before it keys it (spool/segment-check.ts: one read, verifyTs).
// The segment is made with the recorder's own ffmpeg arguments at 1280x720
// and 2 Mbit/s (about 7.5 MB). Each figure is the median of BENCH_RUNS
// (default 40) runs on a warm page cache, so the read is a memory copy: the
// ratio to a plain read is the CPU the verification adds. On an SD card the
// one read dominates, and it is the same read the upload would do.
// `readsPerByte` comes from /proc/self/io (rchar): bytes read by the check
// per byte of segment, so 1.00 means the file is read exactly once.
// Prints the figures as JSON on the last line for `pnpm bench`.
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { median } from "../../test/helpers/median";
import { makeRecorderSegment } from "../../test/helpers/recorder-segment";
import { checkSegmentFile } from "../src/spool/segment-check";
import { verifyTs } from "../src/spool/ts-verify";

const runs = Number(process.env.BENCH_RUNS ?? 40);
const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-verify-"));
try {
  await mkdir(path.join(work, "seg"));
  const made = await makeRecorderSegment({
    dir: path.join(work, "seg"),
    seconds: 30,
    size: { width: 1280, height: 720 },
    videoBitrate: 2_000_000,
  });
  const file = made.path;
  const bytes = (await stat(file)).size;
  const rchar = async () =>
    Number(/^rchar: (\d+)$/m.exec(await readFile("/proc/self/io", "utf8"))![1]);

  const time = async (fn: () => Promise<unknown> | unknown): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= 3) out.push(us); // the first runs warm the JIT and the page cache
    }
    return out;
  };

  const readUs = median(await time(() => readFile(file)));
  const checkUs = median(
    await time(async () => {
      const v = await checkSegmentFile(file);
      if (!v.ok || v.trimmed)
        throw new Error(`the bench segment did not verify: ${JSON.stringify(v)}`);
    }),
  );
  const buffer = await readFile(file);
  const verdict = verifyTs(buffer);
  const verifyUs = median(await time(() => verifyTs(buffer)));

  // Bytes read by one check, counted by the kernel (the /proc read itself adds a little).
  const before = await rchar();
  await checkSegmentFile(file);
  const procOverhead = (await rchar()) - before - bytes;
  const readsPerByte = (bytes + procOverhead) / bytes;

  const mb = bytes / 1e6;
  console.log(
    `30 s segment: ${mb.toFixed(2)} MB, media ${verdict.ok ? verdict.durationMs : "?"} ms (csv ${made.csvDurationMs} ms); ${runs} runs each`,
  );
  console.log(
    `read ${Math.round(readUs)} µs, read + verify ${Math.round(checkUs)} µs, verify alone ${Math.round(verifyUs)} µs (${(mb / (verifyUs / 1e6)).toFixed(0)} MB/s)`,
  );
  console.log(
    JSON.stringify({
      segmentMB: Number(mb.toFixed(2)),
      checkUsPerSegment: Math.round(checkUs),
      readUsPerSegment: Math.round(readUs),
      verifyUsPerSegment: Math.round(verifyUs),
      verifyMBps: Math.round(mb / (verifyUs / 1e6)),
      checkVsRead: Number((checkUs / readUs).toFixed(2)),
      readsPerByte: Number(readsPerByte.toFixed(3)),
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
