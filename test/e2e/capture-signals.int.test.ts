import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodes, probePackets, span, waitFor } from "@kiroku/test/ffmpeg-tools";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = ["--import", "tsx", "recorder/src/cli.ts"];

describe("recorder process signals and configuration", () => {
  const dirs: string[] = [];
  const orphans: number[] = [];
  afterAll(async () => {
    for (const pid of orphans) if (isFfmpeg(pid)) process.kill(pid, "SIGKILL");
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  // systemd (KillMode=mixed) signals the recorder alone; a terminal signals
  // its whole foreground process group, ffmpeg's too unless it has its own.
  it.each([
    ["SIGTERM to the recorder", "SIGTERM", "process"],
    ["Ctrl-C in a terminal (SIGINT to the process group)", "SIGINT", "group"],
    ["a terminal hang-up (SIGHUP to the process group)", "SIGHUP", "group"],
  ] as const)(
    "finalizes the partial segment on %s, lists it complete, and exits 0 within 5 s",
    async (_name, sig, target) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-signal-"));
      dirs.push(dir);
      const child = spawn(
        process.execPath,
        [...cli, "capture", "--source", "test", "--out", dir, "--segment", "2"],
        {
          cwd: root,
          env: { ...process.env, LOG_LEVEL: "warn", LOG_FORMAT: "json" },
          stdio: ["ignore", "pipe", "pipe"],
          // Its own process group, like a command started in a terminal.
          detached: true,
        },
      );
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const segs = async () => (await readdir(dir)).filter((n) => n.endsWith(".ts")).sort();
      await waitFor(async () => (await segs()).length >= 2, 30_000, "two segments");
      // Mid-segment: about 1 s into the third segment.
      await new Promise((r) => setTimeout(r, 1_000));
      const before = await segs();
      const sentAt = Date.now();
      if (target === "group") process.kill(-child.pid!, sig);
      else child.kill(sig);
      const code = await exited;
      const exitMs = Date.now() - sentAt;
      expect(code, stderr).toBe(0);
      expect(exitMs).toBeLessThan(5_000);

      const after = await segs();
      expect(after.length).toBe(before.length + 1);
      const last = after.at(-1)!;
      const durationMs = Number(/_(\d+)ms_/.exec(last)![1]);
      expect(durationMs).toBeGreaterThan(200);
      expect(durationMs).toBeLessThan(2_000);
      const file = path.join(dir, last);
      expect((await decodes(file)).errors).toBe("");
      const video = span(await probePackets(file, "v"));
      expect(Math.abs(video.duration * 1000 - durationMs)).toBeLessThanOrEqual(41);
      await expect(readdir(path.join(dir, ".kiroku/cam1/partial"))).rejects.toThrow();
      console.log(`${sig} to the ${target} → exit 0 in ${exitMs} ms; last segment ${last}`);
    },
    60_000,
  );

  it("stops the ffmpeg a SIGKILLed recorder left running and keeps the segment it was writing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-orphan-"));
    dirs.push(dir);
    const capture = (extra: string[]) => captureInto(dir, extra);
    const segs = async () => (await readdir(dir)).filter((n) => n.endsWith(".ts")).sort();
    const first = capture(["--segment", "2"]);
    const firstExit = new Promise((r) => first.on("exit", r));
    await waitFor(async () => (await segs()).length >= 2, 30_000, "two segments");
    const incoming = path.join(dir, ".kiroku/cam1/incoming");
    const [attempt] = await readdir(incoming);
    const pid = Number(await readFile(path.join(incoming, attempt!, "ffmpeg.pid"), "utf8"));
    orphans.push(pid);

    // Mid-segment, the recorder dies without a chance to stop ffmpeg.
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    first.kill("SIGKILL");
    await firstExit;
    expect(isFfmpeg(pid), "ffmpeg outlives a SIGKILLed recorder").toBe(true);

    const second = capture(["--segment", "2", "--duration", "3"]);
    let logs = "";
    for (const stream of [second.stdout, second.stderr]) {
      stream.on("data", (d) => {
        logs += d;
      });
    }
    const code = await new Promise((r) => second.on("exit", r));
    expect(code, logs).toBe(0);
    expect(logs).toContain("the ffmpeg of an earlier recorder is still running; stopping it");
    expect(isFfmpeg(pid)).toBe(false);
    // Nothing half-written: the segment in progress at the kill was finished and listed.
    await expect(readdir(path.join(dir, ".kiroku/cam1/partial"))).rejects.toThrow();
    const covering = (await segs()).filter((name) => {
      const [, day, time, ms] = /^(\d{4}-\d{2}-\d{2})_(\d{2}-\d{2}-\d{2}\.\d{3})Z_(\d+)ms_/.exec(
        name,
      )!;
      const start = Date.parse(`${day}T${time!.replace(/-/g, ":")}Z`);
      return start - 1_000 <= killedAt && killedAt <= start + Number(ms) + 1_000;
    });
    expect(covering.length, (await segs()).join("\n")).toBeGreaterThanOrEqual(1);
    for (const name of covering) expect((await decodes(path.join(dir, name))).errors).toBe("");
    console.log(`leftover ffmpeg ${pid} stopped; segments around the kill: ${covering.join(", ")}`);
  }, 90_000);

  it("leaves alone the ffmpeg of a recorder that is still running on the same spool", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-shared-spool-"));
    dirs.push(dir);
    const capture = (extra: string[]) => captureInto(dir, extra);
    const first = capture(["--segment", "2"]);
    const firstExit = new Promise((r) => first.on("exit", r));
    const incoming = path.join(dir, ".kiroku/cam1/incoming");
    const pidFile = await waitFor(
      async () => {
        const [attempt] = await readdir(incoming).catch(() => []);
        const file = attempt && path.join(incoming, attempt, "ffmpeg.pid");
        return file && (await readFile(file, "utf8").catch(() => "")) ? file : undefined;
      },
      30_000,
      "the first recorder's ffmpeg",
    );
    const pid = Number(await readFile(pidFile, "utf8"));
    orphans.push(pid);

    // A second recorder on the same spool (a configuration error) must not take over the first's folder.
    const second = capture(["--segment", "2", "--duration", "2"]);
    let logs = "";
    for (const stream of [second.stdout, second.stderr]) {
      stream.on("data", (d) => {
        logs += d;
      });
    }
    expect(await new Promise((r) => second.on("exit", r)), logs).toBe(0);
    expect(logs).toContain("two recorders must not share a SPOOL_DIR");
    expect(isFfmpeg(pid), "the first recorder's ffmpeg keeps running").toBe(true);
    expect(await readdir(path.dirname(pidFile))).toContain(path.basename(pidFile));

    first.kill("SIGTERM");
    await firstExit;
    await expect(readdir(path.join(dir, ".kiroku/cam1/partial"))).rejects.toThrow();
  }, 90_000);

  it.each([
    [
      "missing device",
      ["--source", "/dev/video99"],
      /SOURCE: device \/dev\/video99 does not exist/,
    ],
    ["unknown source type", ["--source", "ftp://cam/stream"], /SOURCE must be test, a V4L2 device/],
    [
      "malformed RTSP URL",
      ["--source", "rtsp://admin:hunter2@/"],
      /SOURCE is not a valid RTSP URL/,
    ],
    [
      "malformed RTMP URL",
      ["--source", "rtmp://0.0.0.0:1935/nokey"],
      /SOURCE must be rtmp:\/\/ADDRESS:PORT\/APP\/KEY/,
    ],
    [
      "impossible size",
      ["--source", "test", "--video-size", "100000x3"],
      /VIDEO_SIZE must be WIDTHxHEIGHT/,
    ],
  ])("refuses a bad config (%s) at once, naming the field", (_name, args, message) => {
    const started = Date.now();
    const res = spawnSync(
      process.execPath,
      [...cli, "capture", ...args, "--out", os.tmpdir(), "--duration", "5"],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, LOG_LEVEL: "warn" },
        timeout: 20_000,
      },
    );
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Invalid recorder configuration/);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toContain("hunter2");
    // Fails before any ffmpeg: well under the time a capture would take.
    expect(Date.now() - started).toBeLessThan(5_000 + 10_000);
  });

  it("refuses a config file with several problems, listing all of them (an absent device is not one)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-badcfg-"));
    dirs.push(dir);
    const file = path.join(dir, "recorder.yaml");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      file,
      "channels:\n  - {name: a, source: /dev/video42, inputFormat: xyz}\n  - {name: b, source: test, videoSize: 7x7}\n",
    );
    const res = spawnSync(process.execPath, [...cli, "run", "--config", file], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LOG_LEVEL: "warn", S3_BUCKETNAME: "kiroku-test" },
      timeout: 60_000, // tsx compiles the CLI first: seconds on a busy machine
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/channels\[0\]\.inputFormat must be one of/);
    expect(res.stderr).toMatch(/channels\[1\]\.videoSize must be WIDTHxHEIGHT/);
    // A camera not plugged in may be plugged in later: the daemon waits for it, it does not refuse.
    expect(res.stderr).not.toMatch(/does not exist/);
  });
});

/** `recorder capture` of the test pattern into `dir`, logging JSON at warn level. */
function captureInto(dir: string, extra: string[]) {
  return spawn(process.execPath, [...cli, "capture", "--source", "test", "--out", dir, ...extra], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** True while `pid` is a live ffmpeg (a zombie or a reused pid is not). */
function isFfmpeg(pid: number): boolean {
  try {
    return path.basename(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]!) === "ffmpeg";
  } catch {
    return false;
  }
}
