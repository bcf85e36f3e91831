// Upload benchmark (run by `pnpm bench upload`; prints JSON on its last line).
//
// 1. Latency: segment complete → object visible, for 2 MB segments on
//    loopback: a file is placed in the spool queue, handed to the Uploader,
//    and the clock stops when a HEAD of its key succeeds. 30 samples, one at a
//    time (as a live camera produces them), p50/p95.
//    The S3 server runs in its own process (`pnpm s3` from source), as a
//    store does in production: in-process, its MD5/SHA-256 checks would
//    share one event loop with the uploader and colour the comparison.
// 2. Drain: 100 × 2 MB files already in the queue (a backlog after an
//    outage), drained by the Uploader at its default concurrency (2), against
//    raw PutObject of the same bytes with the same concurrency, in the same
//    run, against the same server; 5 rounds alternating which goes first,
//    medians compared. Reported as a ratio against bare raw PutObject
//    (`drain_ratio_vs_raw`, the target: ≥ 0.8). The bare PUTs carry
//    no Content-MD5; the uploader's do, and the store verifies them (the
//    embedded server checks it against the MD5 it computes for the ETag
//    anyway, so one MD5 per body), so a third variant, raw PutObject with
//    Content-MD5 (`drain_ratio_vs_raw_md5`), isolates the uploader's own
//    overhead from the cost of the integrity check.

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client, segmentKey, silentLogger } from "@kiroku/shared";
import { median } from "../../test/helpers/median";
import type { CompletedSegment } from "../src/spool/completed-segment";
import { channelSpool, queueFileName } from "../src/spool/spool-layout";
import { UPLOAD_DEFAULTS } from "../src/upload/upload-config";
import { defaultUploadRetryPolicy } from "../src/upload/upload-retry";
import { Uploader } from "../src/upload/uploader";

const SIZE = 2 * 1024 * 1024;
const LATENCY_SAMPLES = 30;
const DRAIN_FILES = 100;
const CONCURRENCY = UPLOAD_DEFAULTS.UPLOAD_CONCURRENCY;
const ROUNDS = 5;

const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-upload-"));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const serverProc = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "shared/src/s3-server-cli.ts",
    "--dir",
    path.join(work, "s3"),
    "--port",
    "0",
    "--bucket",
    "bench",
  ],
  { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
);
const endpoint = await new Promise<string>((resolve, reject) => {
  let out = "";
  serverProc.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    const m = /endpoint\s+(http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  serverProc.once("exit", (code) => reject(new Error(`S3 server exited (${code})`)));
});
const settings = {
  bucket: "bench",
  region: "us-east-1",
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
};
const s3 = createS3Client(settings, { maxAttempts: 1 });
const spoolDir = path.join(work, "spool");
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

function uploader(): Uploader {
  return new Uploader({
    s3,
    bucket: "bench",
    movieKey: "movie",
    spoolDir,
    concurrency: CONCURRENCY,
    partSize: UPLOAD_DEFAULTS.UPLOAD_PART_SIZE,
    keepUploadedMs: 0,
    retry: defaultUploadRetryPolicy(2_000),
    recorderVersion: "bench",
    log: silentLogger(),
  });
}

async function place(channel: string, seq: number, source: string): Promise<CompletedSegment> {
  const ref = { channel, startMs: T0 + seq * 2_000, durationMs: 2_000, run: 1, seq };
  const file = path.join(channelSpool(spoolDir, channel).queue, queueFileName(ref));
  await copyFile(source, file);
  return { ...ref, path: file, bytes: SIZE };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

try {
  const sources: string[] = [];
  await mkdir(path.join(work, "src"), { recursive: true });
  for (let i = 0; i < 4; i++) {
    const f = path.join(work, "src", `seg${i}.ts`);
    await writeFile(f, randomBytes(SIZE));
    sources.push(f);
  }
  for (const ch of ["live", "drain"])
    await mkdir(channelSpool(spoolDir, ch).queue, { recursive: true });

  // 1. Latency, one segment at a time.
  const up = uploader();
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES + 3; i++) {
    const seg = await place("live", i + 1, sources[i % sources.length]!);
    const key = segmentKey("movie", seg);
    const t0 = performance.now();
    up.enqueue(seg);
    for (;;) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: "bench", Key: key }));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    if (i >= 3) latencies.push(performance.now() - t0); // first 3 warm the connections
    await up.idle();
  }
  latencies.sort((a, b) => a - b);

  // 2. Drain: uploader vs raw PutObject, same bytes, same concurrency, same server,
  // alternating which goes first over ROUNDS rounds; medians compared.
  const rawTimes: number[] = [];
  const rawMd5Times: number[] = [];
  const drainTimes: number[] = [];
  const rawRound = async (round: number, md5 = false) => {
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < DRAIN_FILES) {
          const i = next++;
          const body = await readFile(sources[i % sources.length]!);
          await s3.send(
            new PutObjectCommand({
              Bucket: "bench",
              Key: `raw${md5 ? "md5" : ""}/${round}/${i}.ts`,
              Body: body,
              ContentType: "video/mp2t",
              ...(md5 ? { ContentMD5: createHash("md5").update(body).digest("base64") } : {}),
            }),
          );
        }
      }),
    );
    (md5 ? rawMd5Times : rawTimes).push(performance.now() - t);
  };
  const drainRound = async (round: number) => {
    for (let i = 0; i < DRAIN_FILES; i++)
      await place("drain", round * 1_000 + i + 1, sources[i % sources.length]!);
    const drainer = uploader();
    const t = performance.now();
    const resumed = await drainer.resume();
    await drainer.idle();
    drainTimes.push(performance.now() - t);
    if (resumed !== DRAIN_FILES) throw new Error(`resumed ${resumed}, expected ${DRAIN_FILES}`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await rawRound(round);
      await rawRound(round, true);
      await drainRound(round);
    } else {
      await drainRound(round);
      await rawRound(round, true);
      await rawRound(round);
    }
  }
  const rawMs = median(rawTimes);
  const drainMs = median(drainTimes);
  const rawMd5Ms = median(rawMd5Times);

  const mb = (DRAIN_FILES * SIZE) / 1024 ** 2;
  const figures = {
    segment_bytes: SIZE,
    latency_samples: latencies.length,
    latency_p50_ms: Number(pct(latencies, 50).toFixed(1)),
    latency_p95_ms: Number(pct(latencies, 95).toFixed(1)),
    drain_files: DRAIN_FILES,
    drain_rounds: ROUNDS,
    concurrency: CONCURRENCY,
    drain_uploader_mb_s: Number((mb / (drainMs / 1000)).toFixed(1)),
    drain_raw_put_mb_s: Number((mb / (rawMs / 1000)).toFixed(1)),
    drain_ratio_vs_raw: Number((rawMs / drainMs).toFixed(2)),
    drain_raw_put_md5_mb_s: Number((mb / (rawMd5Ms / 1000)).toFixed(1)),
    drain_ratio_vs_raw_md5: Number((rawMd5Ms / drainMs).toFixed(2)),
    targets: "p50 < 250 ms; drain ratio >= 0.8",
  };
  console.log(
    `latency p50 ${figures.latency_p50_ms} ms, p95 ${figures.latency_p95_ms} ms; drain ${figures.drain_uploader_mb_s} MB/s vs raw ${figures.drain_raw_put_mb_s} MB/s`,
  );
  console.log(JSON.stringify(figures));
} finally {
  s3.destroy();
  serverProc.kill("SIGTERM");
  await new Promise((r) => serverProc.once("exit", r));
  await rm(work, { recursive: true, force: true });
}
