import { link, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { heldFileName, parseHeldFileName, releaseHeld } from "./held-segments";
import { channelSpool, parseQueueFileName, queueFileName } from "./spool-layout";
import { SpoolState } from "./spool-state";

const REAL = Date.UTC(2026, 11, 2, 4, 0, 0);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-held-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function hold(origin: string, startMs: number, seq: number): Promise<string> {
  const spool = channelSpool(dir, "cam");
  await mkdir(spool.held, { recursive: true });
  const name = heldFileName(origin, { startMs, durationMs: 2_000, run: 1, seq });
  await writeFile(path.join(spool.held, name), Buffer.alloc(10, seq));
  return name;
}

describe("held segment names", () => {
  it("round-trip the monotonic start, duration, run, sequence and clock origin", () => {
    const name = heldFileName("b3f2a9c1d4e5f607", {
      startMs: 81_234,
      durationMs: 2_000,
      run: 3,
      seq: 17,
    });
    expect(name).toBe("b3f2a9c1d4e5f607_m81234_2000ms_r3_s17.ts");
    expect(parseHeldFileName("cam", name)).toEqual({
      channel: "cam",
      origin: "b3f2a9c1d4e5f607",
      startMs: 81_234,
      durationMs: 2_000,
      run: 3,
      seq: 17,
    });
    expect(parseHeldFileName("cam", "2026-12-02_04-00-00.000Z_2000ms_r1_s1.ts")).toBeUndefined();
    expect(() => heldFileName("Bad/Origin", { startMs: 1, durationMs: 1, run: 1, seq: 1 })).toThrow(
      /origin/,
    );
  });
});

describe("releaseHeld", () => {
  it("keys the segments of this clock by wall time in queue/ and parks those of another boot in partial/", async () => {
    await hold("boot1", 12_000, 2);
    await hold("boot1", 10_000, 1);
    const foreign = await hold("boot0", 50_000, 9);
    const spool = channelSpool(dir, "cam");
    // Trusted at mono 30 000 = REAL.
    const released = await releaseHeld({
      spool,
      channel: "cam",
      origin: "boot1",
      wallOf: (mono) => REAL - (30_000 - mono),
      log: silentLogger(),
    });
    expect(released.map((s) => [s.seq, s.startMs])).toEqual([
      [1, REAL - 20_000],
      [2, REAL - 18_000],
    ]);
    expect(
      (await readdir(spool.queue)).map((n) => parseQueueFileName("cam", n)?.seq).sort(),
    ).toEqual([1, 2]);
    expect(await readdir(spool.held)).toEqual([]);
    expect(await readdir(spool.partial)).toEqual([`held_${foreign}`]);
  });

  it("completes a release a crash cut between link and unlink, without a second name", async () => {
    const name = await hold("boot1", 10_000, 1);
    const spool = channelSpool(dir, "cam");
    const wallOf = (mono: number) => REAL - (30_000 - mono);
    const key = queueFileName({
      channel: "cam",
      startMs: wallOf(10_000),
      durationMs: 2_000,
      run: 1,
      seq: 1,
    });
    await mkdir(spool.queue, { recursive: true });
    await link(path.join(spool.held, name), path.join(spool.queue, key)); // the crash came here
    const released = await releaseHeld({
      spool,
      channel: "cam",
      origin: "boot1",
      wallOf,
      log: silentLogger(),
    });
    expect(released.map((s) => s.path)).toEqual([path.join(spool.queue, key)]);
    expect(await readdir(spool.queue)).toEqual([key]);
    expect(await readdir(spool.held)).toEqual([]);
  });

  it("counts held files when the counters are restored, so no run or sequence repeats", async () => {
    await hold("boot1", 10_000, 41);
    const state = await SpoolState.load(channelSpool(dir, "cam"), "cam");
    expect(state.takeSeq()).toBe(42);
    expect(state.takeRun()).toBe(2);
  });
});
