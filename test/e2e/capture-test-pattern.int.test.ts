import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodes, probePackets, span } from "@kiroku/test/ffmpeg-tools";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FPS = 25;
const FRAME = 1 / FPS;
const SECONDS = 60;

interface Summary {
  segments: number;
  runs: number[];
  durationMs: number;
  files: Array<{ file: string; startMs: number; durationMs: number; run: number; seq: number }>;
}

describe("capture of the test pattern, 2 s segments, 60 s", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("cuts gapless keyframe-aligned segments whose wall-clock times add up", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-capture-"));
    const out = path.join(dir, "out");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "recorder/src/cli.ts",
        "capture",
        "--source",
        "test",
        "--out",
        out,
        "--duration",
        String(SECONDS),
        "--segment",
        "2",
        "--json",
      ],
      {
        cwd: root,
        env: { ...process.env, LOG_LEVEL: "warn", LOG_FORMAT: "json" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!) as Summary;
    const files = summary.files;
    expect(summary.runs).toEqual([files[0]!.run]);
    // 60 s at 2 s a segment, minus start-up: about 30 segments.
    expect(files.length).toBeGreaterThanOrEqual(28);
    expect(files.length).toBeLessThanOrEqual(31);
    // Every segment file in the folder is listed, and nothing was left unlisted.
    expect((await readdir(out)).filter((n) => n.endsWith(".ts")).sort()).toEqual(
      files.map((f) => path.basename(f.file)).sort(),
    );
    await expect(readdir(path.join(out, ".kiroku/cam1/partial"))).rejects.toThrow();

    const report: string[] = [];
    let worstDurationError = 0;
    for (const [k, f] of files.entries()) {
      const packets = await probePackets(f.file, "v");
      // Starts on a keyframe.
      expect(packets[0]!.key, `${path.basename(f.file)} starts on a keyframe`).toBe(true);
      // csv duration vs the video the file holds: within one frame.
      const video = span(packets);
      const err = Math.abs(video.duration - f.durationMs / 1000);
      worstDurationError = Math.max(worstDurationError, err);
      expect(
        err,
        `segment ${k} csv ${f.durationMs} ms vs ffprobe ${video.duration.toFixed(3)} s`,
      ).toBeLessThanOrEqual(FRAME + 0.001);
      // Contiguous to the millisecond.
      if (k > 0) {
        const prev = files[k - 1]!;
        expect(f.startMs).toBe(prev.startMs + prev.durationMs);
        expect(f.seq).toBe(prev.seq + 1);
      }
      if (k > 0 && k < files.length - 1) expect(f.durationMs).toBe(2000);
    }

    // Sum of durations vs the wall clock: each file's mtime is when ffmpeg closed it.
    const mtimes = await Promise.all(files.map(async (f) => (await stat(f.file)).mtimeMs));
    const streamMs = files.slice(1).reduce((s, f) => s + f.durationMs, 0);
    const wallMs = mtimes.at(-1)! - mtimes[0]!;
    const ratioError = Math.abs(streamMs - wallMs) / wallMs;
    report.push(
      `segments=${files.length} streamMs=${streamMs} wallMs=${wallMs.toFixed(0)} error=${(ratioError * 100).toFixed(3)}% worstDurationError=${(worstDurationError * 1000).toFixed(1)}ms`,
    );
    expect(ratioError).toBeLessThan(0.005);

    // Concatenated, timestamps run on with no gap or overlap larger than one frame.
    const joined = path.join(dir, "joined.ts");
    const { readFile } = await import("node:fs/promises");
    await writeFile(joined, Buffer.concat(await Promise.all(files.map((f) => readFile(f.file)))));
    const packets = (await probePackets(joined, "v")).sort((a, b) => a.pts - b.pts);
    let worstStep = 0;
    for (let i = 1; i < packets.length; i++) {
      worstStep = Math.max(worstStep, Math.abs(packets[i]!.pts - packets[i - 1]!.pts - FRAME));
    }
    expect(worstStep).toBeLessThanOrEqual(FRAME);
    const audio = (await probePackets(joined, "a")).sort((a, b) => a.pts - b.pts);
    const aacFrame = 1024 / 48000;
    let worstAudio = 0;
    for (let i = 1; i < audio.length; i++) {
      worstAudio = Math.max(worstAudio, Math.abs(audio[i]!.pts - audio[i - 1]!.pts - aacFrame));
    }
    expect(worstAudio).toBeLessThanOrEqual(FRAME);
    const decoded = await decodes(joined);
    expect(decoded.errors).toBe("");
    report.push(
      `joined: ${packets.length} video packets, worst video step error ${(worstStep * 1000).toFixed(2)} ms, worst audio step error ${(worstAudio * 1000).toFixed(2)} ms`,
    );
    console.log(report.join("\n"));
  }, 150_000);
});
