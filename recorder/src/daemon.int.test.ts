import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { type ChannelStatus, createLogger, createS3Client, statusKey } from "@kiroku/shared";
import { getObject, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDaemon } from "./daemon";

/**
 * The daemon in-process against the embedded S3 server, with segment
 * uploads refused (heartbeats go through), so segments wait in the spool.
 * Then the disk fills to its SPOOL_MIN_FREE_BYTES floor, and measuring the
 * free space takes 3 s (a very slow SD card): the disk guard drops a segment
 * at each check, seconds after it started, the check started by the last
 * segment ffmpeg finalizes at shutdown among them. The free space is
 * injected.
 */
const CHANNEL = "gate";
/** How long one free-space measurement takes once the disk is full. */
const SLOW_MS = 3_000;
let s3: TestS3;
let spoolDir: string;

beforeAll(async () => {
  s3 = await startTestS3({ bucket: "final-heartbeat" });
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-final-"));
});
afterAll(async () => {
  await s3?.cleanup();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

/** A client for the embedded server that refuses every segment upload (keys ending `.ts`) as a 503 would. */
function refusingSegments(): S3Client {
  const client = createS3Client(s3.settings, { maxAttempts: 1 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const key = (args.input as { Key?: string }).Key ?? "";
      if (key.endsWith(".ts")) {
        throw Object.assign(new Error("Service Unavailable"), {
          name: "ServiceUnavailable",
          $metadata: { httpStatusCode: 503 },
        });
      }
      return next(args);
    },
    { step: "initialize", name: "refuseSegments" },
  );
  return client;
}

describe("the daemon's last heartbeat", () => {
  it("says what the log says after a drop at shutdown: the same drops and the same queue", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger(
      "recorder",
      { LOG_LEVEL: "info" },
      { write: (line) => lines.push(JSON.parse(line)) },
    );
    const client = refusingSegments();
    const stop = new AbortController();
    const minFree = 64 * 1024 ** 2;
    let diskFull = false;
    const drops = () =>
      lines.filter(
        (l) => String(l.msg).startsWith("segment dropped before upload") && l.channel === CHANNEL,
      );
    const daemon = runDaemon({
      env: {
        ...s3.env,
        CHANNEL,
        SOURCE: "test",
        VIDEO_SIZE: "320x240",
        FRAMERATE: "15",
        TEST_AUDIO: "false",
        TARGET_DURATION: "1",
        STATUS_INTERVAL: "1",
        METRICS_PORT: "0",
        SPOOL_DIR: spoolDir,
        SPOOL_MIN_FREE_BYTES: String(minFree),
        UPLOAD_STOP_GRACE_SECONDS: "1",
      },
      log,
      s3: client,
      signal: stop.signal,
      diskFreeBytes: async () => {
        if (!diskFull) return 10 ** 12;
        await new Promise((r) => setTimeout(r, SLOW_MS));
        return minFree; // at the floor: one segment of headroom short
      },
    });
    const queued = async () =>
      (await readdir(path.join(spoolDir, CHANNEL, "queue")).catch(() => [])).filter((f) =>
        f.endsWith(".ts"),
      ).length;
    try {
      // Generous waits (a loaded machine): a few segments queue up, then the disk fills.
      const deadline = Date.now() + 150_000;
      while ((await queued()) < 4 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await queued(), "segments never queued up").toBeGreaterThanOrEqual(4);
      diskFull = true;
      while (drops().length < 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(drops().length, "the disk guard never dropped a segment").toBeGreaterThanOrEqual(1);
    } finally {
      // Stop right after a drop, while the disk is still full.
      stop.abort();
      await daemon;
      client.destroy();
    }
    // A check still running now would drop after the last heartbeat: give
    // one the time to show itself (two measurements) before comparing.
    await new Promise((r) => setTimeout(r, 2 * SLOW_MS + 500));
    const stoppedAt = lines.findIndex(
      (l) => l.msg === "recorder stopping: finishing the segments in progress",
    );
    const last = lines.find((l) => String(l.msg).startsWith("recorder stopped"));
    expect(last, "no final log line").toBeDefined();
    // The race this test is about happened: a segment was dropped after the stop was asked for.
    expect(drops().filter((l) => lines.indexOf(l) > stoppedAt).length).toBeGreaterThanOrEqual(1);

    const logged = (last!.channels as Record<string, { queued: number; dropped: number }>)[
      CHANNEL
    ]!;
    const left = await queued();
    const { body } = await getObject(s3.s3, s3.bucket, statusKey("movie", CHANNEL));
    const status = JSON.parse(body.toString("utf8")) as ChannelStatus;
    console.log(
      `${drops().length} drops logged (${drops().filter((l) => lines.indexOf(l) > stoppedAt).length} after the stop), ` +
        `${left} segments left in queue/; last heartbeat: dropped ${status.dropped}, queue ${status.queue.segments}`,
    );
    // Nothing was dropped after the daemon said it stopped.
    expect(drops().every((l) => lines.indexOf(l) < lines.indexOf(last!))).toBe(true);
    expect(status.state).toBe("stopped");
    expect(status.dropped).toBe(drops().length);
    expect(logged.dropped).toBe(drops().length);
    expect(status.queue.segments).toBe(left);
    expect(logged.queued).toBe(left);
    expect(last!.notUploaded).toBe(left);
  }, 240_000);
});
