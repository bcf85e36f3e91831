import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CHANNEL_STATUS_SCHEMA,
  parseChannelStatus,
  parseSegmentKey,
  statusKey,
} from "@kiroku/shared";
import { freePort, probePackets, waitFor } from "@kiroku/test/ffmpeg-tools";
import { getObject, listAll, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { SEGMENT_LIST_NAME } from "../../recorder/src/capture/ffmpeg-args";
import { parseSegmentListLine } from "../../recorder/src/capture/segment-list";
import type { Clock } from "../../recorder/src/clock/clock";
import { runDaemon } from "../../recorder/src/daemon";
import { parseHeldFileName } from "../../recorder/src/spool/held-segments";
import { httpGet } from "./upload-harness";

/**
 * A Raspberry Pi without a real-time clock, played by an injected clock:
 * the real daemon (in this process, real ffmpeg test pattern, 2 s segments,
 * the embedded S3 server over HTTP) starts with its wall clock at
 * 1970-01-01T00:00:00Z and not synchronised; 20 s later the clock steps to
 * the real time and says synchronised.
 *
 * - No key before 2000 ever reaches the bucket (the bucket is listed every
 *   250 ms throughout), no heartbeat is written to it before the step, and
 *   /healthz, /metrics and the local status.json say "clock not synchronised".
 * - The segments recorded before the step are uploaded after it with correct
 *   times: the reference is the real time, independent of the recorder's
 *   conversions: the kernel's mtime of the first segment (ffmpeg's last byte
 *   of it, real clock, read from the held file by this test) anchors ffmpeg's
 *   stream times (its csv segment list), so segment k started at
 *   `mtime(first) + (start_k − end_first)` of real time. Every key of the
 *   unsynchronised period starts within 100 ms of it.
 */
const STEP_AFTER_MS = 20_000;
const CHANNEL = "cam1";
const TOKEN = "clock-test-token-0123456789";

/** The wall clock of a machine that boots at 1970 and is stepped by NTP at `stepAtMs` (real time). */
class SteppedClock implements Clock {
  readonly monoOrigin = "steptest";
  constructor(
    /** Real minus fake wall time before the step. */
    readonly skewMs: number,
    readonly stepAtMs: number,
  ) {}
  wallNow(): number {
    return this.fileTimeMs(Date.now());
  }
  monoNow(): number {
    return performance.now();
  }
  isSynchronised(): boolean {
    return Date.now() >= this.stepAtMs;
  }
  /** The kernel stamped files with the same wrong clock until the step. */
  fileTimeMs(systemMs: number): number {
    return systemMs >= this.stepAtMs ? systemMs : systemMs - this.skewMs;
  }
}

describe("a clock that starts at 1970 and steps to the real time after 20 s", () => {
  let s3: TestS3;
  let spool: string;
  const stop = new AbortController();
  let daemon: Promise<void> | undefined;

  beforeAll(async () => {
    s3 = await startTestS3();
    spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-clock-"));
  });

  afterAll(async () => {
    stop.abort();
    await daemon?.catch(() => {});
    await s3?.cleanup();
    await rm(spool, { recursive: true, force: true });
  });

  it("keys nothing before the step and uploads the held segments with real times after it", async () => {
    const realStart = Date.now();
    const clock = new SteppedClock(realStart, realStart + STEP_AFTER_MS);
    const metricsPort = await freePort();
    const channelDir = path.join(spool, CHANNEL);

    // Observers, independent of the daemon: held files (with their real mtimes) and every bucket key.
    const heldMtime = new Map<number, number>();
    const keysSeen = new Set<string>();
    const statusBeforeStep: string[] = [];
    let observing = true;
    const watchHeld = (async () => {
      while (observing) {
        for (const name of await readdir(path.join(channelDir, "held")).catch(() => [])) {
          const ref = parseHeldFileName(CHANNEL, name);
          if (!ref || heldMtime.has(ref.seq)) continue;
          const st = await stat(path.join(channelDir, "held", name)).catch(() => undefined);
          if (st) heldMtime.set(ref.seq, st.mtimeMs);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const watchBucket = (async () => {
      while (observing) {
        for (const o of await listAll(s3.s3, s3.bucket, "movie/").catch(() => []))
          keysSeen.add(o.key);
        if (Date.now() < clock.stepAtMs && keysSeen.has(statusKey("movie", CHANNEL)))
          statusBeforeStep.push(new Date().toISOString());
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    daemon = runDaemon({
      env: {
        ...s3.env,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        CHANNEL,
        SOURCE: "test",
        VIDEO_SIZE: "320x240",
        FRAMERATE: "15",
        TEST_AUDIO: "false",
        TARGET_DURATION: "2",
        STATUS_INTERVAL: "1",
        METRICS_PORT: String(metricsPort),
        SPOOL_DIR: spool,
        SPOOL_MIN_FREE_BYTES: "0",
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
      },
      signal: stop.signal,
      clock,
    });
    const base = `http://127.0.0.1:${metricsPort}`;
    const app = createApp({
      config: parseApiConfig({ ...s3.env, API_TOKEN: TOKEN, TARGET_DURATION: "2" }),
      s3: s3.s3,
    });
    const apiStat = async () =>
      (await (
        await app.request(`/v1/channels/${CHANNEL}/stat`, {
          headers: { Authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as { state: string; reason: string; clock: unknown };

    // Before the step: recording goes on into held/, the box says why nothing is uploaded.
    await waitFor(() => heldMtime.size >= 2, STEP_AFTER_MS, "two held segments before the step");
    const health = await waitFor(
      async () => {
        const h = await httpGet(`${base}/healthz`);
        return h?.text.includes("clock not synchronised") ? h : undefined;
      },
      15_000,
      "/healthz saying clock not synchronised",
      200,
    );
    expect(Date.now()).toBeLessThan(clock.stepAtMs); // the checks above ran before the step
    expect(health.status).toBe(503);
    const metricsBefore = (await httpGet(`${base}/metrics`))!.text;
    expect(metricsBefore).toMatch(/^kiroku_clock_synchronised 0$/m);
    expect(Number(/^kiroku_segments_held (\d+)$/m.exec(metricsBefore)?.[1])).toBeGreaterThan(0);
    const local = parseChannelStatus(
      JSON.parse(await readFile(path.join(channelDir, "status.json"), "utf8")),
    );
    expect(local?.schema).toBe(CHANNEL_STATUS_SCHEMA);
    expect(local?.clock).toMatchObject({ synchronised: false });
    expect(local?.clock?.held).toBeGreaterThan(0);
    // The API hears nothing yet: no heartbeat can carry a true time.
    expect(await apiStat()).toMatchObject({ state: "Idle", clock: null });

    // After the step: the held segments and at least three recorded after the step reach the bucket.
    const segments = await waitFor(
      async () => {
        if (Date.now() < clock.stepAtMs + 1_000) return undefined;
        const maxHeld = Math.max(...heldMtime.keys());
        const segs = (await listAll(s3.s3, s3.bucket, `movie/${CHANNEL}/`))
          .map((o) => parseSegmentKey("movie", o.key))
          .filter((s) => s !== undefined);
        const seqs = new Set(segs.map((s) => s.seq));
        for (let q = 1; q <= maxHeld + 3; q++) if (!seqs.has(q)) return undefined;
        return segs.sort((a, b) => a.seq - b.seq);
      },
      STEP_AFTER_MS + 60_000,
      "the held segments and three more in the bucket",
      250,
    );
    // ffmpeg's own account of the stream (the attempt is still running: its list is in place).
    const attempts = await readdir(path.join(channelDir, "incoming"));
    expect(attempts).toEqual(["a1"]); // one ffmpeg throughout: seq k is the k-th listed segment
    const listed = (
      await readFile(path.join(channelDir, "incoming", "a1", SEGMENT_LIST_NAME), "utf8")
    )
      .split("\n")
      .map(parseSegmentListLine)
      .filter((e) => e !== undefined);

    // ffmpeg lists its first segment from 0 whatever its timestamps: where that
    // segment starts is its first packet's timestamp (the stream's own clock).
    const firstFile = path.join(channelDir, "first-segment.ts");
    await writeFile(firstFile, (await getObject(s3.s3, s3.bucket, segments[0]!.key)).body);
    listed[0] = { ...listed[0]!, startS: (await probePackets(firstFile))[0]!.pts };

    const heldSeqs = [...heldMtime.keys()].sort((a, b) => a - b);
    expect(heldSeqs[0]).toBe(1);
    const first = listed[0]!;
    const anchor = heldMtime.get(1)!; // real time of the first segment's last byte
    const rows = segments.map((seg) => {
      const e = listed[seg.seq - 1]!;
      const refStart = anchor + (e.startS - first.endS) * 1000;
      return {
        seq: seg.seq,
        held: heldMtime.has(seg.seq),
        key: new Date(seg.startMs).toISOString(),
        offByMs: Math.round(seg.startMs - refStart),
        durationMs: seg.durationMs,
        mediaMs: Math.round((e.endS - e.startS) * 1000),
      };
    });
    console.table(rows);
    for (const row of rows.filter((r) => r.held)) {
      expect(Math.abs(row.offByMs), `seq ${row.seq}`).toBeLessThanOrEqual(100);
      expect(Math.abs(row.durationMs - row.mediaMs), `seq ${row.seq}`).toBeLessThanOrEqual(1);
    }
    // The segments recorded after the step follow on: no overlap, no gap beyond jitter.
    for (let i = 1; i < segments.length; i++) {
      const prev = segments[i - 1]!;
      const gap = segments[i]!.startMs - (prev.startMs + prev.durationMs);
      expect(gap, `between seq ${prev.seq} and ${segments[i]!.seq}`).toBeGreaterThan(-100);
      expect(gap, `between seq ${prev.seq} and ${segments[i]!.seq}`).toBeLessThan(1_000);
    }

    // The heartbeat reaches the bucket only now, saying since when the clock is synchronised.
    const heartbeat = await waitFor(
      async () => {
        const s = parseChannelStatus(
          JSON.parse(
            (await getObject(s3.s3, s3.bucket, statusKey("movie", CHANNEL))).body.toString("utf8"),
          ),
        );
        return s?.clock?.synchronised ? s : undefined;
      },
      15_000,
      "a heartbeat with a synchronised clock",
      250,
    );
    expect(Date.parse(heartbeat.clock!.since!)).toBeGreaterThanOrEqual(clock.stepAtMs - 50);
    expect(heartbeat.clock!.held).toBe(0);
    expect(Date.parse(heartbeat.updatedAt)).toBeGreaterThanOrEqual(clock.stepAtMs);
    expect(statusBeforeStep).toEqual([]);
    expect((await apiStat()).clock).toMatchObject({
      synchronised: true,
      since: heartbeat.clock!.since,
    });
    const healthAfter = await httpGet(`${base}/healthz`);
    expect(healthAfter?.text).not.toContain("clock not synchronised");

    // Run records: the held run is recorded with its real start and end.
    const heldSegs = segments.filter((seg) => heldMtime.has(seg.seq));
    const lastHeld = heldSegs.at(-1)!;
    const records = await waitFor(
      async () => {
        const objs = await listAll(s3.s3, s3.bucket, `movie/_meta/${CHANNEL}/runs/`);
        const recs = await Promise.all(
          objs.map(async (o) =>
            JSON.parse((await getObject(s3.s3, s3.bucket, o.key)).body.toString("utf8")),
          ),
        );
        const held = recs.find((r) => r.run === heldSegs[0]!.run);
        return held?.endedAt && recs.length >= 2 ? recs : undefined;
      },
      15_000,
      "the held run's record, ended, and the next run's",
      250,
    );
    const heldRun = records.find((r) => r.run === heldSegs[0]!.run);
    expect(heldSegs.every((seg) => seg.run === heldRun.run)).toBe(true);
    expect(Date.parse(heldRun.startedAt)).toBe(heldSegs[0]!.startMs);
    expect(Date.parse(heldRun.endedAt)).toBe(lastHeld.startMs + lastHeld.durationMs);
    expect(heldRun.endReason).toBe("clock-change");
    expect(heldRun.endDetail).toBe("clock synchronised");

    observing = false;
    await Promise.all([watchHeld, watchBucket]);
    // Nothing before 2000, ever: segment keys, and every time field of the meta objects.
    for (const o of await listAll(s3.s3, s3.bucket, "movie/")) keysSeen.add(o.key);
    const early = [...keysSeen].filter((key) => {
      const seg = parseSegmentKey("movie", key);
      return seg !== undefined && new Date(seg.startMs).getUTCFullYear() < 2000;
    });
    expect(early).toEqual([]);
    for (const r of records) {
      expect(new Date(r.startedAt).getUTCFullYear()).toBeGreaterThanOrEqual(2000);
      if (r.endedAt) expect(new Date(r.endedAt).getUTCFullYear()).toBeGreaterThanOrEqual(2000);
      expect(new Date(r.updatedAt).getUTCFullYear()).toBeGreaterThanOrEqual(2000);
    }
    expect(new Date(heartbeat.since).getUTCFullYear()).toBeGreaterThanOrEqual(2000);
    console.log(
      `held ${heldSeqs.length} segments before the step; ${segments.length} in the bucket; ` +
        `max |off| of held ${Math.max(...rows.filter((r) => r.held).map((r) => Math.abs(r.offByMs)))} ms; ` +
        `${keysSeen.size} keys seen, ${early.length} before 2000`,
    );

    stop.abort();
    await daemon;
  }, 150_000);
});
