/**
 * clip.mp4 against clip.ts on a 1 GB range: throughput, time to first
 * byte, and the API process's peak RSS (VmHWM from /proc, so nothing the
 * process does can hide a peak) while it remuxes. The API runs as its own
 * process, built as `pnpm api` runs it (`api/dist/cli.js`, rebuilt first),
 * one fresh process per format, against
 * the embedded S3 server in this process. The range is real 720p H.264 +
 * AAC segments (one 30 s pair encoded once, cached), uploaded again and
 * again as consecutive recording runs until the range holds BENCH_CLIP_BYTES
 * (default 1e9). Prints JSON on its last line.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { segmentKey } from "@kiroku/shared";
import { startApiProcess } from "../../test/helpers/api-server";
import { startTestS3 } from "../../test/helpers/s3";
import { makeSegmentFiles } from "../../test/helpers/segments";

const build = spawnSync(process.execPath, ["scripts/build.mjs", "api"], { stdio: "ignore" });
if (build.status !== 0) throw new Error("building the api failed: run `pnpm build`");
const targetBytes = Number(process.env.BENCH_CLIP_BYTES ?? 1e9);
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
// BENCH_GOP=1: a keyframe every second, as cameras copied with -c copy send; by default one
// per segment, as the recorder's own encoder makes them (the MP4 muxer cuts fragments at keyframes).
const gopSeconds = process.env.BENCH_GOP ? Number(process.env.BENCH_GOP) : undefined;
const files = await makeSegmentFiles({
  count: 2,
  segmentSeconds: 30,
  size: "1280x720",
  ...(gopSeconds ? { keyframeSeconds: gopSeconds } : {}),
});
const bodies = await Promise.all(files.map((f) => readFile(f.path)));
const s3 = await startTestS3({ bucket: "bench-clip" });

let total = 0;
let seq = 0;
let at = T0;
let run = 1;
const puts: Promise<unknown>[] = [];
while (total < targetBytes) {
  for (const [i, f] of files.entries()) {
    const key = segmentKey("movie", {
      channel: "cam1",
      startMs: at,
      durationMs: f.durationMs,
      run,
      seq,
    });
    puts.push(
      s3.s3.send(new PutObjectCommand({ Bucket: "bench-clip", Key: key, Body: bodies[i] })),
    );
    total += f.bytes;
    at += f.durationMs;
    seq++;
  }
  // A restart between each copy of the pair: its timestamps start over.
  run++;
  at += 5_000;
  if (puts.length >= 8) await Promise.all(puts.splice(0));
}
await Promise.all(puts);
const endMs = at;

async function measure(file: "clip.ts" | "clip.mp4") {
  const api = await startApiProcess(
    {
      ...s3.env,
      API_TOKEN: "bench-token-0123456789",
      CLIP_MAX_BYTES: String(targetBytes * 2),
      ...(process.env.BENCH_API_MALLOC
        ? { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" }
        : {}),
    },
    { built: true },
  );
  try {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/v1/channels/cam1/${file}?start=${T0}&end=${endMs}`, {
      headers: { Authorization: "Bearer bench-token-0123456789" },
    });
    if (res.status !== 200) throw new Error(`${file} answered ${res.status}: ${await res.text()}`);
    let firstByteMs: number | undefined;
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      firstByteMs ??= performance.now() - t0;
      bytes += chunk.byteLength;
    }
    const seconds = (performance.now() - t0) / 1000;
    const status = await readFile(`/proc/${api.child.pid}/status`, "utf8");
    const peakRssMB = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
    return {
      bytes,
      seconds: Number(seconds.toFixed(1)),
      MBps: Number((total / 1e6 / seconds).toFixed(1)),
      firstByteMs: Math.round(firstByteMs ?? 0),
      peakRssMB: Math.round(peakRssMB),
    };
  } finally {
    await api.stop();
  }
}

const ts = await measure("clip.ts");
const mp4 = await measure("clip.mp4");
await s3.cleanup();
console.log(
  `${(total / 1e6).toFixed(0)} MB of segments (${seq} × ~30 s 720p, ${run - 1} runs): clip.ts ${ts.MBps} MB/s, clip.mp4 ${mp4.MBps} MB/s, clip.mp4 peak RSS ${mp4.peakRssMB} MB (target < 150)`,
);
console.log(
  JSON.stringify({
    segmentBytes: total,
    gopSeconds: gopSeconds ?? 30,
    segments: seq,
    clipTs: ts,
    clipMp4: mp4,
    mp4VsTsThroughput: Number((mp4.MBps / ts.MBps).toFixed(2)),
    mp4PeakRssUnder150MB: mp4.peakRssMB < 150,
  }),
);
