import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { makeRecorderSegment } from "@kiroku/test/recorder-segment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkQueue } from "./queue-check";
import { channelSpool, queueFileName } from "./spool-layout";
import { verifyTs } from "./ts-verify";

/** The start-up pass over `queue/` on a real segment, torn the ways a crash leaves it. */
let dir: string;
let whole: Buffer;
let wholeMs: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-queue-check-"));
  await mkdir(path.join(dir, "made"));
  const made = await makeRecorderSegment({ dir: path.join(dir, "made") });
  whole = await readFile(made.path);
  wholeMs = made.csvDurationMs;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const channel = "cam1";
const ref = (seq: number, durationMs = wholeMs) => ({
  channel,
  startMs: Date.UTC(2026, 11, 1, 10, 0, 0) + seq * 2_000,
  durationMs,
  run: 3,
  seq,
});

async function freshSpool(name: string) {
  const spoolDir = path.join(dir, name);
  const spool = channelSpool(spoolDir, channel);
  await mkdir(spool.queue, { recursive: true });
  return { spoolDir, spool };
}

describe("checkQueue", () => {
  it("leaves whole segments alone, trims and re-keys a torn one, quarantines garbage", async () => {
    const { spoolDir, spool } = await freshSpool("mixed");
    await writeFile(path.join(spool.queue, queueFileName(ref(1))), whole);
    await writeFile(path.join(spool.queue, queueFileName(ref(2))), whole.subarray(0, 100_001));
    await writeFile(path.join(spool.queue, queueFileName(ref(3))), Buffer.alloc(50_000));
    await writeFile(path.join(spool.queue, "notes.txt"), "not ours");

    const result = await checkQueue(spoolDir, channel, silentLogger());

    const torn = verifyTs(whole.subarray(0, 100_001));
    if (!torn.ok) throw new Error("fixture");
    const rekeyed = queueFileName(ref(2, torn.durationMs));
    expect(result.checked).toBe(3);
    expect(result.rekeyed).toEqual([rekeyed]);
    expect(result.quarantined).toMatchObject([
      { channel, code: "not-ts", from: `queue/${queueFileName(ref(3))}`, bytes: 50_000 },
    ]);
    expect((await readdir(spool.queue)).sort()).toEqual(
      [queueFileName(ref(1)), rekeyed, "notes.txt"].sort(),
    );
    expect(await readdir(spool.quarantine)).toEqual([`queue_${queueFileName(ref(3))}`]);
    expect((await readFile(path.join(spool.queue, queueFileName(ref(1))))).equals(whole)).toBe(
      true,
    );
    const trimmed = await readFile(path.join(spool.queue, rekeyed));
    expect(trimmed.length).toBe(torn.validBytes);
    expect(trimmed.equals(whole.subarray(0, torn.validBytes))).toBe(true);
    expect(torn.durationMs).toBeLessThan(wholeMs - 500);
  });

  it("re-keys a file trimmed before a crash stopped its rename", async () => {
    const { spoolDir, spool } = await freshSpool("trimmed-not-renamed");
    const torn = verifyTs(whole.subarray(0, 150_000));
    if (!torn.ok) throw new Error("fixture");
    // Already cut to whole frames, but still under the name of the full duration.
    await writeFile(
      path.join(spool.queue, queueFileName(ref(5))),
      whole.subarray(0, torn.validBytes),
    );
    const result = await checkQueue(spoolDir, channel);
    expect(result.rekeyed).toEqual([queueFileName(ref(5, torn.durationMs))]);
    expect(await readdir(spool.queue)).toEqual([queueFileName(ref(5, torn.durationMs))]);
  });

  it("drops the old name when a crash left both names of one re-keyed file", async () => {
    const { spoolDir, spool } = await freshSpool("both-names");
    const torn = verifyTs(whole.subarray(0, 150_000));
    if (!torn.ok) throw new Error("fixture");
    const oldName = path.join(spool.queue, queueFileName(ref(6)));
    const newName = path.join(spool.queue, queueFileName(ref(6, torn.durationMs)));
    await writeFile(oldName, whole.subarray(0, torn.validBytes));
    await link(oldName, newName);
    const result = await checkQueue(spoolDir, channel);
    expect(await readdir(spool.queue)).toEqual([path.basename(newName)]);
    expect((await stat(newName)).size).toBe(torn.validBytes);
    expect(result.quarantined).toEqual([]);
  });
});
