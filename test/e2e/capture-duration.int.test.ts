import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { probeDurationMs } from "@kiroku/test/ffmpeg-tools";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs `pnpm recorder capture --source test` (from source) into a fresh folder; resolves with the .ts files written. */
async function capture(dir: string, durationS: number, segmentS: number): Promise<string[]> {
  const out = path.join(dir, `d${durationS}-s${segmentS}`);
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
      String(durationS),
      "--segment",
      String(segmentS),
    ],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: "warn", LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((r) => child.on("close", r));
  expect(code, stderr).toBe(0);
  return (await readdir(out)).filter((n) => n.endsWith(".ts")).map((n) => path.join(out, n));
}

/**
 * `capture --duration N` records N seconds of video to within one segment,
 * measured by ffprobe on the files written (not by the recorder's own
 * numbers): ffmpeg's start-up time is not taken out of the N seconds.
 */
describe("capture --duration", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [20, 4],
    [12, 4],
  ])(
    "--duration %i --segment %i records that many seconds ± one segment",
    async (durationS, segmentS) => {
      dir ||= await mkdtemp(path.join(os.tmpdir(), "kiroku-capture-duration-"));
      const files = await capture(dir, durationS, segmentS);
      const probed = await Promise.all(files.map((f) => probeDurationMs(f)));
      const totalS = probed.reduce((s, ms) => s + ms, 0) / 1000;
      console.log(
        `--duration ${durationS} --segment ${segmentS}: ${files.length} files, ${totalS.toFixed(3)} s of video`,
      );
      expect(Math.abs(totalS - durationS)).toBeLessThanOrEqual(segmentS);
    },
    120_000,
  );
});
