import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ChannelRecorder, type CompletedSegment, parseRecorderConfig } from "@kiroku/recorder";
import { silentLogger } from "@kiroku/shared";
import { freePort, run, waitFor } from "@kiroku/test/ffmpeg-tools";
import { afterAll, describe, expect, it } from "vitest";

/** An OBS-style publisher: ffmpeg pushing a test pattern over RTMP for `seconds`. */
async function publish(url: string, seconds: number): Promise<void> {
  // The listener may be between publishers for a moment: retry a refused connection.
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-v",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100",
        "-t",
        String(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-f",
        "flv",
        url,
      ],
      { timeoutMs: (seconds + 30) * 1000 },
    );
    if (res.code === 0) return;
    if (!/Connection refused|Input\/output error|Broken pipe/i.test(res.stderr)) {
      throw new Error(`publisher failed: ${res.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("publisher could not connect");
}

describe("RTMP ingest", () => {
  let recorder: ChannelRecorder | undefined;
  let dir = "";
  afterAll(async () => {
    await recorder?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("records two publishers one after the other as two runs", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-rtmp-"));
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/s3cretkey`;
    const config = parseRecorderConfig({ SOURCE: url, TARGET_DURATION: "2", SPOOL_DIR: dir });
    const segments: CompletedSegment[] = [];
    const started: number[] = [];
    recorder = new ChannelRecorder({
      channel: config.channels[0]!,
      spoolDir: dir,
      targetDuration: 2,
      log: silentLogger(),
      onSegment: (seg) => segments.push(seg),
    });
    const publishers: (string | undefined)[] = [];
    recorder.on("runStarted", (e) => {
      expect(e.source).not.toContain("s3cretkey");
      started.push(e.run);
      publishers.push(e.remoteAddress);
    });
    let spawned = 0;
    recorder.on("spawned", () => spawned++);
    recorder.start();
    await waitFor(() => spawned >= 1, 10_000, "the listener");
    await new Promise((r) => setTimeout(r, 500));

    await publish(url, 20);
    await waitFor(() => spawned >= 2, 10_000, "a new listener after the first publisher left");
    await publish(url, 6);
    await waitFor(() => started.length >= 2 && spawned >= 3, 10_000, "the second run to end");

    // Each run names its publisher: two connections from this host.
    expect(publishers).toHaveLength(2);
    for (const p of publishers) expect(p).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(publishers[0]).not.toBe(publishers[1]);
    const runs = [...new Set(segments.map((s) => s.run))];
    expect(runs).toHaveLength(2);
    expect(runs[1]).toBe(runs[0]! + 1);
    const total = (run: number) =>
      segments.filter((s) => s.run === run).reduce((sum, s) => sum + s.durationMs, 0);
    // The first publisher pushed 20 s, the second 6 s: all of it recorded (give or take a GOP at the ends).
    expect(total(runs[0]!)).toBeGreaterThan(18_500);
    expect(total(runs[0]!)).toBeLessThan(21_500);
    expect(total(runs[1]!)).toBeGreaterThan(4_500);
    expect(total(runs[1]!)).toBeLessThan(7_500);
    const lastA = segments.filter((s) => s.run === runs[0]).at(-1)!;
    const firstB = segments.find((s) => s.run === runs[1])!;
    expect(firstB.startMs).toBeGreaterThanOrEqual(lastA.startMs + lastA.durationMs - 1_000);
    expect(segments[0]!.media).toMatchObject({
      videoCodec: "h264",
      width: 320,
      height: 240,
      audioCodec: "aac",
    });
    console.log(`run ${runs[0]}: ${total(runs[0]!)} ms, run ${runs[1]}: ${total(runs[1]!)} ms`);
  }, 120_000);
});
