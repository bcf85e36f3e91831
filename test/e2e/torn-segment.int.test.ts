import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { queueFileName } from "@kiroku/recorder";
import { type StoredSegment, segmentKey } from "@kiroku/shared";
import { decodes, probeDurationMs, waitFor } from "@kiroku/test/ffmpeg-tools";
import { makeRecorderSegment } from "@kiroku/test/recorder-segment";
import { getBytes, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bucketSegments,
  freePort,
  httpGet,
  localStatus,
  names,
  startDaemon,
} from "./upload-harness";

/**
 * Acceptance, torn segments: what a power cut leaves in the spool (a queued
 * segment cut to half its size, one listed by ffmpeg but cut before it was
 * queued, a queued file of garbage) is, after the recorder starts again,
 * uploaded trimmed under keys whose durations are the media's, or
 * quarantined and reported; never uploaded as if whole.
 */
describe("recorder daemon starting on a spool torn by a power cut", () => {
  let s3: TestS3;
  let spoolDir: string;
  let work: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "torn-e2e" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-torn-"));
    work = await mkdtemp(path.join(os.tmpdir(), "kiroku-torn-work-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it("uploads torn segments trimmed, keyed with the media's duration, and quarantines garbage", async () => {
    await mkdir(path.join(work, "seg"));
    const made = await makeRecorderSegment({ dir: path.join(work, "seg") });
    const whole = await readFile(made.path);
    const channel = "porch";
    const queue = path.join(spoolDir, channel, "queue");
    const attempt = path.join(spoolDir, channel, "incoming", "a1");
    await mkdir(queue, { recursive: true });
    await mkdir(attempt, { recursive: true });
    const t0 = Date.now() - 600_000;
    const ref = (seq: number) => ({
      channel,
      startMs: t0 + (seq - 1) * made.csvDurationMs,
      durationMs: made.csvDurationMs,
      run: 1,
      seq,
    });
    // seq 1 whole; seq 2 torn in half after it was queued; seq 3 garbage under a good name.
    await writeFile(path.join(queue, queueFileName(ref(1))), whole);
    await writeFile(path.join(queue, queueFileName(ref(2))), whole.subarray(0, whole.length >> 1));
    const junk = path.join(queue, queueFileName(ref(3)));
    await writeFile(junk, randomBytes(100_000));
    // The counters as the crashed process left them (run 1 and attempt 1 in use, seq 1-3 taken).
    await writeFile(
      path.join(spoolDir, channel, "state.json"),
      JSON.stringify({ version: 1, channel, nextRun: 2, nextSeq: 4, nextAttempt: 2 }),
    );
    // Listed by ffmpeg as closed, then cut to 60 % before capture could queue it.
    await writeFile(
      path.join(attempt, "segments.csv"),
      `seg000000.ts,0.000000,${made.csvDurationMs / 1000}\n`,
    );
    await writeFile(
      path.join(attempt, "seg000000.ts"),
      whole.subarray(0, Math.floor(whole.length * 0.6)),
    );

    const metricsPort = await freePort();
    const daemon = startDaemon({
      ...s3.env,
      CHANNEL: channel,
      SPOOL_DIR: spoolDir,
      METRICS_PORT: String(metricsPort),
    });
    let stored: StoredSegment[] = [];
    try {
      // Run 1 seq 1 and 2 from the queue, run 2 recovered from incoming/, then live runs.
      stored = await waitFor(
        async () => {
          const segs = await bucketSegments(s3, channel);
          const found = [1, 2].every((s) => segs.some((x) => x.run === 1 && x.seq === s));
          return found && segs.some((x) => x.run === 2) && segs;
        },
        90_000,
        () =>
          `segments r1_s1, r1_s2 and run 2 in the bucket; logs: ${JSON.stringify(daemon.logs.slice(-5))}`,
      );
      const metrics = (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`))!.text;
      expect(metrics).toMatch(
        new RegExp(
          `^kiroku_segments_quarantined_total\\{channel="${channel}",reason="not-ts"\\} 1$`,
          "m",
        ),
      );
      expect(metrics).toMatch(
        new RegExp(`^kiroku_segments_trimmed_total\\{channel="${channel}"\\} 2$`, "m"),
      );
      await waitFor(
        async () =>
          (await localStatus(spoolDir, channel).catch(() => undefined))?.quarantined === 1,
        15_000,
        "the heartbeat to count the quarantined file",
      );
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }

    const bySeq = (seq: number) => stored.find((s) => s.run === 1 && s.seq === seq)!;
    const recovered = stored.find((s) => s.run === 2)!;
    // Nothing uploaded as if whole: the garbage nowhere, the torn ones shorter.
    expect(stored.filter((s) => s.run === 1).map((s) => s.seq)).toEqual([1, 2]);
    expect(stored.filter((s) => s.run === 2)).toHaveLength(1);
    const errors = JSON.stringify(daemon.logs.filter((l) => Number(l.level) >= 50));
    expect(await names(path.join(spoolDir, channel, "quarantine")), errors).toEqual([
      `queue_${queueFileName(ref(3))}`,
    ]);
    const quarantineLog = daemon.logs.find(
      (l) => l.level === 50 && /not decodable video/.test(String(l.msg)),
    );
    expect(quarantineLog).toMatchObject({ code: "not-ts", channel });
    expect(bySeq(1)).toMatchObject({ startMs: t0, durationMs: made.csvDurationMs, run: 1 });
    expect(bySeq(2)).toMatchObject({ startMs: t0 + made.csvDurationMs, run: 1 });
    expect(bySeq(2).durationMs).toBeLessThan(made.csvDurationMs * 0.7);
    expect(recovered.durationMs).toBeLessThan(made.csvDurationMs * 0.8);

    // Each uploaded object decodes cleanly and lasts what its key says (ffprobe, ±50 ms).
    for (const seg of [bySeq(1), bySeq(2), recovered]) {
      const bytes = await getBytes(s3.s3, s3.bucket, segmentKey("movie", seg));
      const file = path.join(work, `s${seg.seq}.ts`);
      await writeFile(file, bytes);
      expect(await decodes(file), `s${seg.seq}`).toEqual({ ok: true, errors: "" });
      const probed = await probeDurationMs(file);
      expect(
        Math.abs(seg.durationMs - probed),
        `s${seg.seq}: key ${seg.durationMs} ms, media ${probed} ms`,
      ).toBeLessThanOrEqual(50);
    }
    // The whole one went byte for byte; the torn ones are their first bytes, cut on a packet.
    expect((await getBytes(s3.s3, s3.bucket, segmentKey("movie", bySeq(1)))).equals(whole)).toBe(
      true,
    );
    const torn = await getBytes(s3.s3, s3.bucket, segmentKey("movie", bySeq(2)));
    expect(torn.length % 188).toBe(0);
    expect(torn.equals(whole.subarray(0, torn.length))).toBe(true);
  });
});
