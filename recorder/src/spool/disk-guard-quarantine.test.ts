import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DeleteEvent, DiskGuard } from "./disk-guard";
import { channelSpool } from "./spool-layout";

/**
 * Quarantined files (not decodable video, kept for inspection) count in the
 * spool bound and are deleted right after `partial/` files when room is
 * needed, before the copies in `uploaded/` and long before any queued segment.
 */
const KB = 1_000;
const NOW = Date.UTC(2026, 11, 2, 10, 0, 0);
let spoolDir: string;

beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-guard-q-"));
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

async function file(
  folder: "queue" | "partial" | "quarantine" | "uploaded",
  name: string,
  ageS: number,
) {
  const dir = channelSpool(spoolDir, "cam")[folder];
  await mkdir(dir, { recursive: true });
  const f = path.join(dir, name);
  await writeFile(f, Buffer.alloc(10 * KB));
  const t = new Date(NOW - ageS * 1000);
  await utimes(f, t, t);
}

describe("DiskGuard and quarantine/", () => {
  it("counts quarantined bytes in the bound and deletes them after partial files, before uploaded copies", async () => {
    await mkdir(channelSpool(spoolDir, "cam").queue, { recursive: true });
    await file("partial", "p.ts", 300);
    await file("quarantine", "q-new.ts", 10);
    await file("quarantine", "q-old.ts", 100);
    await file("uploaded", "u.ts", 200);
    const deleted: DeleteEvent[] = [];
    const guard = new DiskGuard({
      spoolDir,
      maxBytes: 25 * KB, // 40 kB in the spool: two files of 10 kB must go (no headroom)
      minFreeBytes: 0,
      keepUploadedMs: 3_600_000,
      queue: { waiting: () => [], drop: async () => false, keyOf: () => "" },
      log: silentLogger(),
      clock: () => NOW,
      freeBytes: async () => 10 ** 12,
      onDelete: (e) => deleted.push(e),
    });
    const usage = await guard.check();
    expect(deleted.map((d) => `${d.kind}:${path.basename(d.file)}`)).toEqual([
      "partial:p.ts",
      "quarantined:q-old.ts",
    ]);
    expect(usage.spoolBytes).toBe(20 * KB);
    expect(await readdir(channelSpool(spoolDir, "cam").quarantine)).toEqual(["q-new.ts"]);
  });
});
