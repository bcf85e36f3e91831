import { createHash } from "node:crypto";
import {
  appendFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  QUEUE_JOURNAL_NAME,
  queueSegment,
  readQueueJournal,
  recoverQueued,
} from "./queue-handover";
import { type ChannelSpool, channelSpool } from "./spool-layout";

/**
 * The durable, idempotent move into `queue/` on a real folder: each test
 * stages what a power cut at one instant of the move leaves on disk, then
 * asks recovery what to do with the attempt folder's file.
 */
let spoolDir: string;
let spool: ChannelSpool;
let attemptDir: string;
const NAME = "2026-11-22_10-00-00.000Z_2000ms_r1_s5.ts";

beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-handover-"));
  spool = channelSpool(spoolDir, "cam");
  attemptDir = path.join(spool.incoming, "a1");
  await mkdir(attemptDir, { recursive: true });
  await mkdir(spool.queue, { recursive: true });
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

async function closedSegment(bytes = "segment bytes"): Promise<string> {
  const file = path.join(attemptDir, "seg000005.ts");
  await writeFile(file, bytes);
  return file;
}

describe("queueSegment", () => {
  it("journals the key with the content hash, links the file into queue/ and removes the attempt's name", async () => {
    const file = await closedSegment();
    const { path: queued, record } = await queueSegment({ file, queueName: NAME, spool });
    expect(queued).toBe(path.join(spool.queue, NAME));
    expect(await readFile(queued, "utf8")).toBe("segment bytes");
    expect(await readdir(attemptDir)).toEqual([QUEUE_JOURNAL_NAME]);
    expect((await stat(queued)).nlink).toBe(1);
    expect(record).toEqual({
      file: "seg000005.ts",
      queueName: NAME,
      sha256: createHash("sha256").update("segment bytes").digest("hex"),
      bytes: 13,
    });
    expect([...(await readQueueJournal(attemptDir)).values()]).toEqual([record]);
  });

  it("refuses to replace another file under the same queue name", async () => {
    await writeFile(path.join(spool.queue, NAME), "another segment");
    const file = await closedSegment();
    await expect(queueSegment({ file, queueName: NAME, spool })).rejects.toThrow(/refusing/);
    expect(await readFile(path.join(spool.queue, NAME), "utf8")).toBe("another segment");
    expect(await readFile(file, "utf8")).toBe("segment bytes");
  });
});

describe("recoverQueued after a crash", () => {
  it("recognises a file already linked into queue/ (crash between link and unlink) and only removes its attempt name", async () => {
    const file = await closedSegment();
    await queueSegment({ file, queueName: NAME, spool });
    // What the crash left: the attempt's name still there, same inode.
    await link(path.join(spool.queue, NAME), file);
    const journal = await readQueueJournal(attemptDir);
    const found = await recoverQueued(file, spool, journal);
    expect(found).toEqual({ kind: "already-queued", path: path.join(spool.queue, NAME) });
    expect(await readdir(spool.queue)).toEqual([NAME]);
    expect(await readdir(attemptDir)).toEqual([QUEUE_JOURNAL_NAME]);
  });

  it("recognises the same inode even when the journal line was lost", async () => {
    const file = await closedSegment();
    await link(file, path.join(spool.queue, NAME));
    const found = await recoverQueued(file, spool, new Map());
    expect(found.kind).toBe("already-queued");
    expect(await readdir(spool.queue)).toEqual([NAME]);
  });

  it("recognises a file whose queue copy moved to uploaded/ (same inode)", async () => {
    const file = await closedSegment();
    await mkdir(spool.uploaded, { recursive: true });
    await link(file, path.join(spool.uploaded, NAME));
    const found = await recoverQueued(file, spool, new Map());
    expect(found).toEqual({ kind: "already-queued", path: path.join(spool.uploaded, NAME) });
  });

  it("recognises a file already moved into held/ for a trusted clock (same inode)", async () => {
    const file = await closedSegment();
    await mkdir(spool.held, { recursive: true });
    const held = path.join(spool.held, "boot1_m10000_2000ms_r1_s5.ts");
    await link(file, held);
    const found = await recoverQueued(file, spool, new Map());
    expect(found).toEqual({ kind: "already-queued", path: held });
    expect(await readdir(attemptDir)).toEqual([]);
  });

  it("queues a journaled file whose queue name is gone again under the same key (uploaded and deleted since)", async () => {
    const file = await closedSegment();
    await queueSegment({ file, queueName: NAME, spool });
    // Uploaded and deleted; the attempt's unlink was lost to the power cut.
    await writeFile(file, "segment bytes");
    await rm(path.join(spool.queue, NAME));
    const found = await recoverQueued(file, spool, await readQueueJournal(attemptDir));
    expect(found.kind).toBe("requeued");
    expect(await readdir(spool.queue)).toEqual([NAME]);
    expect(await readFile(path.join(spool.queue, NAME), "utf8")).toBe("segment bytes");
  });

  it("reports a journaled file whose bytes changed since it was queued, and leaves it for the caller", async () => {
    const file = await closedSegment();
    await queueSegment({ file, queueName: NAME, spool });
    await rm(path.join(spool.queue, NAME));
    await writeFile(file, "segment by\0\0\0");
    const found = await recoverQueued(file, spool, await readQueueJournal(attemptDir));
    expect(found.kind).toBe("changed");
    expect(await readdir(spool.queue)).toEqual([]);
  });

  it("treats a file with no journal line and one link as new, ignoring a torn journal line", async () => {
    const file = await closedSegment();
    await appendFile(path.join(attemptDir, QUEUE_JOURNAL_NAME), '{"file":"seg000005.ts","queue');
    const journal = await readQueueJournal(attemptDir);
    expect(journal.size).toBe(0);
    expect(await recoverQueued(file, spool, journal)).toEqual({ kind: "new" });
    expect(await readFile(file, "utf8")).toBe("segment bytes");
  });
});
