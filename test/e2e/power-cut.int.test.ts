import { randomInt } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { mapLimit } from "@kiroku/shared";
import { decodes, probeDurationMs, waitFor } from "@kiroku/test/ffmpeg-tools";
import {
  newestFiles,
  powerCut,
  seededRandom,
  type Tear,
  type TearKind,
  tearFile,
} from "@kiroku/test/power-cut";
import { getBytes, sha256, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketSegments, localStatus, names, sleep, startDaemon } from "./upload-harness";

/**
 * Acceptance, power cut: cycles of record (test pattern, 2 s segments) →
 * SIGKILL of every process of the recorder at a random moment → the newest
 * segment files of the attempt folders and of the queue cut, zeroed or
 * garbage-tailed → restart. Then, in the bucket: every object decodes with
 * no error, its key's duration is the media's (±50 ms), no two objects have
 * the same bytes, no two keys of the channel overlap by more than 50 ms, and
 * every quarantined file was reported. Replay a run with POWER_CUT_SEED;
 * POWER_CUT_CYCLES changes the number of cycles (default 30). Each cycle
 * costs a daemon start (a second or two on an idle machine, far more on a
 * loaded one) plus 0 to 2 segments and up to 2.5 s of recording.
 */
const CHANNEL = "yard";
const cycles = Number(process.env.POWER_CUT_CYCLES ?? 30);
const seed = Number(process.env.POWER_CUT_SEED ?? randomInt(2 ** 31));
const TEARS: TearKind[] = ["keep", "truncate", "zero-tail", "garbage-tail"];

/** A log line of a file moved to `quarantine/` (capture or the start-up queue check). */
function isQuarantineLine(l: Record<string, unknown>): boolean {
  return Number(l.level) >= 50 && typeof l.quarantined === "string";
}

/**
 * The run's local heartbeat (`status.json`) against its log: how many
 * quarantines it counts and how many the log had reported by the time it was
 * written (`updatedAt`). A heartbeat written before any quarantine counts 0.
 */
async function heartbeatAgainstLog(
  spoolDir: string,
  runLogs: Record<string, unknown>[],
): Promise<{ quarantined?: number; logged: number; state?: string }> {
  const status = await localStatus(spoolDir, CHANNEL).catch(() => undefined);
  if (!status) return { logged: 0 };
  const at = Date.parse(status.updatedAt);
  const logged = runLogs.filter((l) => isQuarantineLine(l) && Number(l.time) <= at).length;
  return { quarantined: status.quarantined ?? 0, logged, state: status.state };
}

describe("recorder daemon through repeated power cuts", () => {
  let s3: TestS3;
  let spoolDir: string;
  let work: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "power-cut" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-power-cut-"));
    work = await mkdtemp(path.join(os.tmpdir(), "kiroku-power-cut-check-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it("uploads only whole, truly timed, distinct segments and reports every quarantined file", async () => {
    console.log(`power-cut seed ${seed} (POWER_CUT_SEED=${seed} replays it), ${cycles} cycles`);
    const rand = seededRandom(seed);
    // 640x360 at 2 Mbit/s: about 500 kB a segment, so ffmpeg's 256 kB writes leave the
    // segment in progress non-empty for part of each cut.
    const env = {
      ...s3.env,
      CHANNEL,
      SPOOL_DIR: spoolDir,
      STATUS_INTERVAL: "1",
      VIDEO_SIZE: "640x360",
      VIDEO_BITRATE: "2M",
    };
    const channelDir = path.join(spoolDir, CHANNEL);
    const logs: Record<string, unknown>[] = [];
    const tears: Tear[] = [];
    const started = Date.now();

    const heartbeats: { quarantined?: number; logged: number; cycle: number }[] = [];
    let s3Up = true;
    let cyclesWithSegments = 0;
    for (let cycle = 1; cycle <= cycles; cycle++) {
      // S3 is down for about half the cycles, so the queue holds segments when the power goes.
      const wantUp = rand() < 0.5;
      if (wantUp !== s3Up) await (wantUp ? s3.start() : s3.stop());
      s3Up = wantUp;
      await rm(path.join(channelDir, "status.json"), { force: true });
      const daemon = startDaemon(env, { detached: true });
      try {
        // The cut falls after 0, 1 or 2 segments of this run completed (waited for, so a
        // loaded machine changes only how long a cycle takes), at a random moment within
        // the next 2.5 s: while ffmpeg writes, verifies, moves into queue/, uploads.
        const after = Math.floor(rand() * 3);
        await daemon.waitForLog((l) => l.msg === "ffmpeg started", 60_000);
        if (after > 0) {
          await daemon.waitForLog(
            () => daemon.logs.filter((l) => l.msg === "segment complete").length >= after,
            60_000,
          );
          cyclesWithSegments++;
        }
        await sleep(rand() * 2_500);
      } finally {
        powerCut(daemon.proc.pid!);
        await daemon.exited;
        logs.push(...daemon.logs);
      }
      heartbeats.push({ cycle, ...(await heartbeatAgainstLog(spoolDir, daemon.logs)) });
      // The newest segment files: of the attempt folders, and of the queue.
      const attempts = (await names(path.join(channelDir, "incoming"))).map((a) =>
        path.join(channelDir, "incoming", a),
      );
      const incoming: string[] = [];
      for (const dir of attempts) incoming.push(...(await newestFiles(dir, 2, /\.ts$/)));
      const victims = [
        ...(await newestFiles(path.join(channelDir, "queue"), 1, /\.ts$/)),
        ...incoming.slice(-2),
      ];
      for (const file of victims) {
        tears.push(await tearFile(file, TEARS[Math.floor(rand() * TEARS.length)]!, rand));
      }
    }
    const cyclesSeconds = (Date.now() - started) / 1000;

    // One last start: everything left in the spool is verified, queued and uploaded.
    if (!s3Up) await s3.start();
    await rm(path.join(channelDir, "status.json"), { force: true });
    const last = startDaemon(env, { detached: true });
    try {
      await last.waitForLog((l) => l.msg === "ffmpeg started", 60_000);
      await waitFor(
        async () => {
          const queue = (await names(path.join(channelDir, "queue"))).filter((n) =>
            n.endsWith(".ts"),
          );
          const uploaded = last.logs.filter((l) => l.msg === "segment uploaded").length;
          return queue.length === 0 && uploaded >= 2;
        },
        120_000,
        "the last start to upload everything the cuts left in the spool",
        250,
      );
    } finally {
      expect((await last.stop("SIGTERM")).code).toBe(0);
      logs.push(...last.logs);
    }
    const lastHeartbeat = await heartbeatAgainstLog(spoolDir, last.logs);

    // The bucket.
    const segments = await bucketSegments(s3, CHANNEL);
    // Each cycle cut after a completed segment queued one: it is in the bucket now, or, when
    // its queue file was torn beyond use, in quarantine/.
    const quarantinedCount = (await readdir(path.join(channelDir, "quarantine")).catch(() => []))
      .length;
    expect(segments.length + quarantinedCount).toBeGreaterThanOrEqual(cyclesWithSegments);
    const checked = await mapLimit(segments, 2, async (seg) => {
      const bytes = await getBytes(s3.s3, s3.bucket, seg.key);
      const file = path.join(work, path.basename(seg.key));
      await writeFile(file, bytes);
      const decoded = await decodes(file);
      // A file ffprobe cannot read counts as mistimed (NaN), and is listed with the others.
      const mediaMs = await probeDurationMs(file).catch(() => Number.NaN);
      await rm(file);
      return {
        key: seg.key,
        startMs: seg.startMs,
        durationMs: seg.durationMs,
        hash: sha256(bytes),
        decodeErrors: decoded.ok ? "" : decoded.errors || "ffmpeg failed",
        mediaMs,
      };
    });
    const undecodable = checked.filter((c) => c.decodeErrors !== "");
    const mistimed = checked.filter((c) => !(Math.abs(c.mediaMs - c.durationMs) <= 50));
    const byHash = new Map<string, string[]>();
    for (const c of checked) byHash.set(c.hash, [...(byHash.get(c.hash) ?? []), c.key]);
    const sameBytes = [...byHash.values()].filter((keys) => keys.length > 1);
    const overlaps: string[] = [];
    const inOrder = [...checked].sort((a, b) => a.startMs - b.startMs);
    let reach = inOrder[0];
    for (const c of inOrder.slice(1)) {
      const overlapMs = reach!.startMs + reach!.durationMs - c.startMs;
      if (overlapMs > 50) overlaps.push(`${reach!.key} and ${c.key} overlap by ${overlapMs} ms`);
      if (c.startMs + c.durationMs > reach!.startMs + reach!.durationMs) reach = c;
    }

    // Quarantined files: each one named in an error-level log line, and counted in the
    // heartbeat of the run that quarantined it (the count is per run of the daemon: every
    // heartbeat written after a run's last quarantine must count all of that run's).
    const quarantine = path.join(channelDir, "quarantine");
    const quarantined = await readdir(quarantine).catch(() => [] as string[]);
    const errorLines = logs.filter((l) => Number(l.level) >= 50).map((l) => JSON.stringify(l));
    const unreported = quarantined.filter((name) => !errorLines.some((l) => l.includes(name)));
    const trimmedLines = logs.filter((l) => /trimm/i.test(String(l.msg)));

    const tally = (kind: TearKind) => tears.filter((t) => t.kind === kind).length;
    console.log(
      `${cycles} cycles in ${cyclesSeconds.toFixed(0)} s; tears: ${tears.length} files ` +
        `(${tally("truncate")} cut, ${tally("zero-tail")} zero-tailed, ${tally("garbage-tail")} garbage-tailed, ${tally("keep")} kept); ` +
        `${cyclesWithSegments} cut after a completed segment; ` +
        `${checked.length} objects, ${trimmedLines.length} trimmed, ${quarantined.length} quarantined`,
    );
    expect(undecodable.map((c) => `${c.key}: ${c.decodeErrors.slice(0, 200)}`)).toEqual([]);
    expect(mistimed.map((c) => `${c.key}: media ${c.mediaMs} ms`)).toEqual([]);
    expect(sameBytes).toEqual([]);
    expect(overlaps).toEqual([]);
    expect(unreported).toEqual([]);
    const quarantineLogged = logs.filter(isQuarantineLine);
    expect(quarantineLogged.length).toBe(quarantined.length);
    const behind = heartbeats.filter(
      (h) => h.quarantined !== undefined && h.quarantined < h.logged,
    );
    expect(behind).toEqual([]);
    expect(lastHeartbeat).toEqual({
      quarantined: lastHeartbeat.logged,
      logged: lastHeartbeat.logged,
      state: "stopped",
    });
  }, 1_200_000);
});
