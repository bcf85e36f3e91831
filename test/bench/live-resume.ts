/**
 * `pnpm bench live-resume`: how soon live playback resumes after the recorder
 * pauses. A real recorder (test pattern, 2 s segments) records; hls.js and
 * Shaka Player play `live.m3u8` in Chromium with their default settings; the
 * recorder is stopped for 20 s and started again, RESTARTS times (default 3).
 * Measured per restart and player: seconds from the moment the new run's
 * first segment is listed in `live.m3u8` to the moment playback has advanced
 * 0.5 s past where it stalled. Target: within 2 × TARGET_DURATION (2 s by
 * default; `TARGET_DURATION=4 pnpm bench live-resume` for another).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { startTestS3 } from "@kiroku/test/s3";
import { sleep, startDaemon } from "../e2e/upload-harness";
import { startApiProcess } from "../helpers/api-server";
import { type LivePlayerName, launchLivePlayers } from "../helpers/live-players";
import { median } from "../helpers/median";

const TD = Number(process.env.TARGET_DURATION ?? 2);
const RESTARTS = Number(process.env.RESTARTS ?? 3);
const PAUSE_MS = 20_000;
const names: LivePlayerName[] = ["hlsjs", "shaka"];

const s3 = await startTestS3({ bucket: "kiroku-bench-live-resume" });
const spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-bench-live-resume-"));
const api = await startApiProcess({
  ...s3.env,
  TARGET_DURATION: String(TD),
  PUBLIC_PLAYBACK: "true",
});
const env = { ...s3.env, CHANNEL: "cam1", SPOOL_DIR: spool, TARGET_DURATION: String(TD) };
const liveUrl = `${api.url}/v1/channels/cam1/live.m3u8`;
const uris = async () => {
  const res = await fetch(liveUrl);
  const text = await res.text();
  return res.status === 200 ? text.split("\n").filter((l) => l.startsWith("http")) : [];
};
const resumeS: Record<LivePlayerName, number[]> = { hlsjs: [], shaka: [] };
const fatal: string[] = [];
let daemon = startDaemon(env);
const players = await launchLivePlayers();
try {
  await waitFor(async () => ((await uris()).length >= 3 ? true : undefined), 60_000, "live", 500);
  await players.load(liveUrl);
  await waitFor(
    async () => {
      const s = await players.state();
      return names.every((n) => s[n].currentTime > 1) ? true : undefined;
    },
    60_000,
    "both players playing",
    250,
  );
  for (let r = 0; r < RESTARTS; r++) {
    await sleep(4_000);
    const stoppedAt = Date.now();
    await daemon.stop("SIGTERM");
    await sleep(Math.max(0, stoppedAt + PAUSE_MS - Date.now()));
    const stalled = await players.state();
    const lastOld = (await uris()).at(-1)!.split("?")[0]!;
    daemon = startDaemon(env);
    const listedAt = await waitFor(
      async () => {
        const u = (await uris()).map((x) => x.split("?")[0]!);
        const i = u.indexOf(lastOld);
        return i >= 0 && i < u.length - 1 ? Date.now() : undefined;
      },
      60_000,
      "the new run in live.m3u8",
      100,
    );
    const done = new Set<LivePlayerName>();
    await waitFor(
      async () => {
        const s = await players.state();
        for (const n of names) {
          for (const e of s[n].errors) if (e.fatal) fatal.push(`${n}: ${e.detail}`);
          if (!done.has(n) && s[n].currentTime > stalled[n].currentTime + 0.5) {
            done.add(n);
            resumeS[n].push(Math.round((Date.now() - listedAt) / 100) / 10);
          }
        }
        return done.size === names.length || fatal.length > 0 ? true : undefined;
      },
      60_000,
      "both players resuming",
      100,
    );
    if (fatal.length > 0) break;
    console.log(
      `restart ${r + 1}: resumed after ${names.map((n) => `${n} ${resumeS[n].at(-1)} s`).join(", ")}`,
    );
  }
} finally {
  await players.close();
  await daemon.stop();
  await api.stop();
  await s3.cleanup();
  await rm(spool, { recursive: true, force: true });
}
console.log(
  JSON.stringify({
    restarts: RESTARTS,
    pauseS: PAUSE_MS / 1000,
    targetDurationS: TD,
    hlsjsResumeSMedian: median(resumeS.hlsjs),
    hlsjsResumeSMax: Math.max(...resumeS.hlsjs),
    shakaResumeSMedian: median(resumeS.shaka),
    shakaResumeSMax: Math.max(...resumeS.shaka),
    fatalErrors: fatal.length,
    targetS: 2 * TD,
  }),
);
if (fatal.length > 0) {
  console.error(`fatal player errors: ${fatal.join(", ")}`);
  process.exit(1);
}
