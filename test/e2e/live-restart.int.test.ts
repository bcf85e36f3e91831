import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { type LivePlayerName, type LivePlayers, launchLivePlayers } from "../helpers/live-players";
import { parseStrict } from "../helpers/strict-playlist";
import { type DaemonProcess, sleep, startDaemon } from "./upload-harness";

/**
 * A viewer holds `live.m3u8` through a recorder restart: a real recorder
 * (test pattern, 2 s segments) records, stops for 20 s and starts again on
 * the same spool, while a poller reads the live playlist about twice per
 * target duration and hls.js and Shaka Player play it in Chromium. Every
 * answer is 200 with the same EXT-X-TARGETDURATION, a window of at least three
 * target durations, media and discontinuity sequences that never go back, and
 * no warning from m3u8-parser; both players play on into the new run with no
 * fatal error.
 */
const TD = 2;

interface Poll {
  at: number;
  status: number;
  targetDuration?: number;
  mediaSequence?: number;
  discontinuitySequence?: number;
  windowSeconds: number;
  /** Rounded EXTINF values (RFC 8216 4.3.3.1: each at most the target duration). */
  roundedDurations: number[];
  /** URIs of the window, without query strings. */
  uris: string[];
  discontinuities: number;
  endList: boolean;
  warnings: string[];
}

describe("live.m3u8 through a recorder restart", () => {
  let s3: TestS3;
  let spool: string;
  let api: ApiProcess;
  let daemon: DaemonProcess | undefined;
  let players: LivePlayers | undefined;

  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "kiroku-live-restart" });
    spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-live-restart-"));
    api = await startApiProcess({
      ...s3.env,
      TARGET_DURATION: String(TD),
      PUBLIC_PLAYBACK: "true",
      SEGMENT_URLS: "presigned",
    });
  });

  afterAll(async () => {
    await players?.close();
    await daemon?.stop();
    await api?.stop();
    await s3?.cleanup();
    await rm(spool, { recursive: true, force: true });
  });

  it("answers 200 with a stable, growing window and both players play on into the new run", async () => {
    const liveUrl = `${api.url}/v1/channels/cam1/live.m3u8`;
    const poll = async (): Promise<Poll> => {
      const res = await fetch(liveUrl);
      const text = await res.text();
      if (res.status !== 200) {
        return {
          at: Date.now(),
          status: res.status,
          windowSeconds: 0,
          roundedDurations: [],
          uris: [],
          discontinuities: 0,
          endList: false,
          warnings: [text],
        };
      }
      const { manifest, warnings } = parseStrict(text);
      return {
        at: Date.now(),
        status: res.status,
        ...(manifest.targetDuration === undefined
          ? {}
          : { targetDuration: manifest.targetDuration }),
        ...(manifest.mediaSequence === undefined ? {} : { mediaSequence: manifest.mediaSequence }),
        ...(manifest.discontinuitySequence === undefined
          ? {}
          : { discontinuitySequence: manifest.discontinuitySequence }),
        windowSeconds: manifest.segments.reduce((s, x) => s + x.duration, 0),
        roundedDurations: manifest.segments.map((s) => Math.round(s.duration)),
        uris: manifest.segments.map((s) => s.uri.split("?")[0]!),
        discontinuities: manifest.discontinuityStarts.length,
        endList: manifest.endList === true,
        warnings,
      };
    };

    daemon = startDaemon({
      ...s3.env,
      CHANNEL: "cam1",
      SPOOL_DIR: spool,
      TARGET_DURATION: String(TD),
    });
    // Live with at least three target durations of history (the channel's own start holds less).
    await waitFor(
      async () => {
        const p = await poll().catch(() => undefined);
        return p && p.status === 200 && p.windowSeconds >= 3 * TD ? p : undefined;
      },
      60_000,
      "live.m3u8 with three target durations",
      500,
    );

    players = await launchLivePlayers();
    await players.load(liveUrl);
    const names: LivePlayerName[] = ["hlsjs", "shaka"];
    const fatal = (s: Awaited<ReturnType<LivePlayers["state"]>>) =>
      names.flatMap((n) => s[n].errors.filter((e) => e.fatal).map((e) => `${n}: ${e.detail}`));
    await waitFor(
      async () => {
        const s = await players!.state();
        if (fatal(s).length > 0) throw new Error(`fatal player error: ${fatal(s).join(", ")}`);
        return names.every((n) => s[n].currentTime > 1) ? s : undefined;
      },
      60_000,
      "both players playing",
      250,
    );

    // Poll about twice per target duration from here on, in the background.
    const polls: Poll[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polls.push(await poll());
        await sleep((TD * 1000) / 2);
      }
    })();

    await sleep(3_000);
    const stoppedAt = Date.now();
    await daemon.stop("SIGTERM");
    const beforeRestart = polls.at(-1)!;
    await sleep(Math.max(0, stoppedAt + 20_000 - Date.now()));
    const stalled = await players.state();
    daemon = startDaemon({
      ...s3.env,
      CHANNEL: "cam1",
      SPOOL_DIR: spool,
      TARGET_DURATION: String(TD),
    });

    // The first segment of the new run in the playlist: after a discontinuity, past the last old URI.
    const lastOldUri = (await poll()).uris.at(-1)!;
    const firstNew = await waitFor(
      async () => {
        const p = await poll();
        const i = p.uris.indexOf(lastOldUri);
        return p.status === 200 && i >= 0 && i < p.uris.length - 1 ? p : undefined;
      },
      60_000,
      "the new run's first segment in live.m3u8",
      100,
    );
    // Each player advances past where it stalled (no timing bound here: the
    // figure is logged, and `pnpm bench` holds speed targets).
    const advancedAt: Partial<Record<LivePlayerName, number>> = {};
    await waitFor(
      async () => {
        const s = await players!.state();
        if (fatal(s).length > 0) throw new Error(`fatal player error: ${fatal(s).join(", ")}`);
        for (const n of names) {
          if (advancedAt[n] === undefined && s[n].currentTime > stalled[n].currentTime + 0.5)
            advancedAt[n] = Date.now();
        }
        return names.every((n) => advancedAt[n] !== undefined) ? true : undefined;
      },
      60_000,
      "both players advancing in the new run",
      100,
    );
    for (const n of names) {
      console.log(
        `${n}: playback advanced ${((advancedAt[n]! - firstNew.at) / 1000).toFixed(1)} s after the new run's first segment was listed (2 x target duration = ${2 * TD} s)`,
      );
    }
    // The new run went live with its first segment: had it waited out the
    // hole grace (TARGET_DURATION + 10 s), six segments would show up at once.
    const newOnes = firstNew.uris.length - 1 - firstNew.uris.indexOf(lastOldUri);
    console.log(`the new run appeared in live.m3u8 with ${newOnes} segment(s)`);
    expect(newOnes).toBeLessThanOrEqual(3);
    const resumed = await players.state();
    // A few more polls in the new run, and at least 20 in all.
    await waitFor(
      async () =>
        polls.length >= 20 && polls.at(-1)!.at > firstNew.at + 4 * TD * 1000 ? true : undefined,
      60_000,
      "twenty polls across the restart",
      250,
    );
    polling = false;
    await poller;

    // The polls span the stop and the restart.
    expect(polls[0]!.at).toBeLessThan(stoppedAt);
    expect(polls.at(-1)!.at).toBeGreaterThan(firstNew.at);
    expect(polls.some((p) => p.discontinuities > 0)).toBe(true);
    expect(beforeRestart.status).toBe(200);
    for (const p of polls) {
      expect(p.status, JSON.stringify(p)).toBe(200);
      expect(p.warnings).toEqual([]);
      expect(p.targetDuration).toBe(TD);
      expect(p.windowSeconds).toBeGreaterThanOrEqual(3 * TD);
      for (const d of p.roundedDurations) expect(d).toBeLessThanOrEqual(TD);
      expect(p.endList).toBe(false);
    }
    for (let i = 1; i < polls.length; i++) {
      expect(polls[i]!.mediaSequence!).toBeGreaterThanOrEqual(polls[i - 1]!.mediaSequence!);
      expect(polls[i]!.discontinuitySequence!).toBeGreaterThanOrEqual(
        polls[i - 1]!.discontinuitySequence!,
      );
    }
    const end = await players.state();
    expect(fatal(end)).toEqual([]);
    // Both kept playing in the new run (not a one-off jump over the pause).
    for (const n of names)
      expect(end[n].currentTime, n).toBeGreaterThan(resumed[n].currentTime + 2);
  }, 240_000);
});
