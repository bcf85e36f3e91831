/**
 * Playlist rendering cost: a range playlist of 100,000 segments (about 35
 * days of 30 s segments), rendered from segments whose URIs are already made
 * and encoded to the UTF-8 bytes the API serves and caches (the renderer
 * builds its text lazily, so timing the string alone would leave the copy
 * out), and the full in-memory path of a presigned playlist (presign 100,000
 * URLs with the fast SigV4 presigner, then render). Medians of several runs,
 * wall time and this process's CPU time (the latter less disturbed by a
 * busy machine); prints JSON on its last line. Target: rendering under 100 ms.
 */

import { median } from "../../test/helpers/median";
import { createPresigner } from "../src/access/presign";
import { type PlaylistEntry, playlistEntry, renderRangePlaylist } from "../src/playlists/m3u8";

const N = 100_000;
const runs = Number(process.env.BENCH_ROUNDS ?? 7);
const t0 = Date.UTC(2026, 10, 1);
const keyOf = (i: number) => {
  const ms = t0 + i * 30_000;
  const iso = new Date(ms).toISOString();
  return `movie/cam1/${iso.slice(0, 10)}/${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 23)}Z_30000ms_r${1 + Math.floor(i / 5000)}_s${i}.ts`;
};
const keys = Array.from({ length: N }, (_, i) => keyOf(i));
const base: Omit<PlaylistEntry, "uri">[] = keys.map((_, i) => ({
  startMs: t0 + i * 30_000,
  durationMs: 30_000,
  run: 1 + Math.floor(i / 5000),
  seq: i,
}));
// Made as the routes make them (playlistEntry), from segments whose URIs are known.
const proxyEntries: PlaylistEntry[] = base.map((b, i) =>
  playlistEntry(b, `segments/${keys[i]!.slice(11)}`),
);

const time = (fn: () => unknown) => {
  const a = performance.now();
  fn();
  return performance.now() - a;
};
const cpuTime = (fn: () => unknown) => {
  const a = process.cpuUsage();
  fn();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
};

const encoder = new TextEncoder();
let bytes = 0;
const render = () => {
  bytes = encoder.encode(
    renderRangePlaylist({
      entries: proxyEntries,
      requestedStartMs: t0 + 1_000,
      type: "VOD",
      gapToleranceMs: 500,
    }),
  ).length;
};
const renderMs: number[] = [];
const renderCpuMs: number[] = [];
const presignedMs: number[] = [];
for (let r = 0; r < runs; r++) {
  renderMs.push(time(render));
  renderCpuMs.push(cpuTime(render));
  presignedMs.push(
    time(() => {
      const sign = createPresigner({
        base: "https://bucket.s3.us-east-1.amazonaws.com/",
        region: "us-east-1",
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
        signingDateMs: Date.now(),
        expiresInSeconds: 21_900,
      });
      renderRangePlaylist({
        entries: base.map((b, i) => playlistEntry(b, sign(keys[i]!))),
        requestedStartMs: t0 + 1_000,
        type: "VOD",
        gapToleranceMs: 500,
      });
    }),
  );
}
const result = {
  segments: N,
  renderMedianMs: Number(median(renderMs).toFixed(1)),
  renderCpuMedianMs: Number(median(renderCpuMs).toFixed(1)),
  renderTargetMs: 100,
  presignAndRenderMedianMs: Number(median(presignedMs).toFixed(1)),
  playlistBytes: bytes,
  runs,
};
console.log(
  `${N} segments: render into bytes ${result.renderMedianMs} ms (${result.renderCpuMedianMs} ms of CPU; target < 100), presign + render ${result.presignAndRenderMedianMs} ms, ${(bytes / 1024 ** 2).toFixed(1)} MiB`,
);
console.log(JSON.stringify(result));
