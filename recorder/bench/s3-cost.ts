// What a camera costs in S3 requests: the real recorder daemon records one
// test-pattern channel with 30 s segments (TARGET_DURATION, STATUS_INTERVAL and
// SETTINGS_INTERVAL at their defaults) through a request-counting proxy in
// front of the embedded S3 server (test/helpers/s3-request-counter.ts). From
// the second segment upload on, every request is counted by kind for
// BENCH_SECONDS (default 600: one recording keep-alive falls inside; the
// window ends at the segment upload that many seconds of recording later), then scaled to a
// camera-day and priced at S3 Standard list prices (PUT/POST/LIST $0.005 per
// 1,000, GET/HEAD $0.0004 per 1,000; 30-day month). Then the channel is
// disabled and enabled a few times by writing its settings as the API does,
// and the time until the recorder acts on each is measured from its local
// heartbeat (spool/cam1/status.json). Prints JSON on its last line.
// Target: at most $0.60 per camera-month; enable/disable within 10 s.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  CHANNEL_SETTINGS_SCHEMA,
  createS3Client,
  formatTime,
  writeChannelSettings,
} from "@kiroku/shared";
import {
  priceOf,
  type S3RequestCounter,
  startS3RequestCounter,
} from "../../test/helpers/s3-request-counter";
import { sleep, startDaemonUnderTest } from "./daemon-harness";

const seconds = Number(process.env.BENCH_SECONDS ?? 600);
const toggles = Number(process.env.BENCH_TOGGLES ?? 3);
const TARGET_DOLLARS_PER_MONTH = 0.6;
const DAY_S = 86_400;

let counter: S3RequestCounter | undefined;
const daemon = await startDaemonUnderTest({
  label: "s3-cost",
  channels: 1,
  targetDuration: 30,
  videoSize: "320x240",
  framerate: 10,
  s3Front: async (endpoint) => {
    counter = await startS3RequestCounter(endpoint);
    return counter.endpoint;
  },
});
const proxy = counter!;
const channel = daemon.channels[0]!;
const direct = createS3Client({
  bucket: daemon.bucket,
  region: "us-east-1",
  endpoint: daemon.server.endpoint,
  forcePathStyle: true,
  credentials: daemon.server.credentials,
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  const t0 = Date.now();
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

try {
  // Start-up (the first heartbeats, the run record, the first segment's
  // state changes) is not what a camera-day is made of: count from the second upload.
  await until("the second segment upload", 150_000, async () =>
    proxy.count("PUT", "segment") > 1 ? true : undefined,
  );
  // The window runs from one segment upload to the one `segments` later:
  // exactly that many segment durations of recording (no fencepost error).
  const segments = Math.max(1, Math.round(seconds / 30));
  proxy.reset();
  const t0 = performance.now();
  await until(`${segments} more segment uploads`, seconds * 2000 + 120_000, async () =>
    proxy.count("PUT", "segment") >= segments ? true : undefined,
  );
  const elapsedS = (performance.now() - t0) / 1000;
  const window = [...proxy.requests];
  const counted: Record<string, number> = {};
  for (const r of window) counted[`${r.op} ${r.kind}`] = (counted[`${r.op} ${r.kind}`] ?? 0) + 1;
  const scale = DAY_S / elapsedS;
  const perDay = Object.fromEntries(
    Object.entries(counted)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => [k, Math.round(n * scale)]),
  );
  const dollarsPerMonth = priceOf(window) * scale * 30;
  const byKind = Object.fromEntries(
    Object.keys(counted).map((k) => [
      k,
      Number((priceOf(window.filter((r) => `${r.op} ${r.kind}` === k)) * scale * 30).toFixed(4)),
    ]),
  );

  // Enable/disable as the API writes it, timed to the recorder acting on it.
  const localStatus = path.join(daemon.spoolDir, channel, "status.json");
  const state = async () => JSON.parse(await readFile(localStatus, "utf8")).state as string;
  const setStatus = async (status: "enabled" | "disabled") => {
    const at = formatTime(Date.now());
    await writeChannelSettings(direct, daemon.bucket, "movie", {
      schema: CHANNEL_SETTINGS_SCHEMA,
      channel,
      description: "",
      status,
      createdAt: at,
      updatedAt: at,
    });
    return performance.now();
  };
  const reach: { disable: number[]; enable: number[] } = { disable: [], enable: [] };
  for (let i = 0; i < toggles; i++) {
    // Written at a random point of the poll cycle, as an operator would.
    await sleep(Math.random() * 8_000);
    let from = await setStatus("disabled");
    await until("the recorder to stop", 60_000, async () =>
      (await state()) === "disabled" ? true : undefined,
    );
    reach.disable.push((performance.now() - from) / 1000);
    await sleep(Math.random() * 8_000);
    from = await setStatus("enabled");
    await until("the recorder to start", 60_000, async () =>
      (await state()) !== "disabled" ? true : undefined,
    );
    reach.enable.push((performance.now() - from) / 1000);
  }
  const all = [...reach.disable, ...reach.enable];

  console.log(
    `requests in ${elapsedS.toFixed(0)} s of recording 30 s segments: ${JSON.stringify(counted)}`,
  );
  console.log("requests per camera-day by kind:");
  for (const [k, n] of Object.entries(perDay))
    console.log(`  ${k.padEnd(16)} ${String(n).padStart(7)}  $${byKind[k]!.toFixed(4)}/month`);
  console.log(
    `$${dollarsPerMonth.toFixed(3)} per camera-month in requests (target ≤ $${TARGET_DOLLARS_PER_MONTH})`,
  );
  console.log(
    `enable/disable reached the recorder in ${all.map((s) => s.toFixed(1)).join(", ")} s (max ${Math.max(...all).toFixed(1)} s, target 10 s)`,
  );
  console.log(
    JSON.stringify({
      seconds: Math.round(elapsedS),
      requestsPerCameraDay: perDay,
      dollarsPerCameraMonth: Number(dollarsPerMonth.toFixed(4)),
      dollarsPerCameraMonthByKind: byKind,
      targetDollarsPerCameraMonth: TARGET_DOLLARS_PER_MONTH,
      settingsReachSecondsMax: Number(Math.max(...all).toFixed(2)),
      settingsReachSeconds: all.map((s) => Number(s.toFixed(2))),
      targetSettingsReachSeconds: 10,
    }),
  );
} finally {
  await daemon.stop();
  direct.destroy();
  await proxy.close();
  await daemon.dispose();
}
