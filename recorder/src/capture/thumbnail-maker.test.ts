import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { channelSpool, queueFileName } from "../spool/spool-layout";
import { thumbnailSpool } from "../spool/thumbnail-spool";
import { MAX_PENDING_PER_CHANNEL, ThumbnailMaker } from "./thumbnail-maker";

/**
 * The backlog bound: every waiting thumbnail holds a whole segment on the
 * disk through its link, so a maker that falls behind skips segments rather
 * than pinning more. The "ffmpeg" here is a script that waits to be let go,
 * so "behind" is a fact of the test, not a race.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-thumbs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ThumbnailMaker", () => {
  it(`links at most ${MAX_PENDING_PER_CHANNEL} segments of a channel while extraction is behind, and skips the rest`, async () => {
    const gate = path.join(dir, "go");
    const fakeFfmpeg = path.join(dir, "ffmpeg");
    // Waits until the gate file exists, then fails (no JPEG): the link is removed either way.
    await writeFile(
      fakeFfmpeg,
      `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.05; done\nexit 1\n`,
    );
    await chmod(fakeFfmpeg, 0o755);
    const spoolDir = path.join(dir, "spool");
    const queue = channelSpool(spoolDir, "cam").queue;
    await mkdir(queue, { recursive: true });
    const maker = new ThumbnailMaker({
      spoolDir,
      width: 160,
      log: silentLogger(),
      onReady: () => {},
      ffmpegPath: fakeFfmpeg,
    });
    for (let seq = 1; seq <= 5; seq++) {
      const ref = {
        channel: "cam",
        startMs: Date.UTC(2026, 11, 2) + seq * 2_000,
        durationMs: 2_000,
        run: 1,
        seq,
      };
      const file = path.join(queue, queueFileName(ref));
      await writeFile(file, "x");
      maker.take({ ...ref, path: file, bytes: 1 });
    }
    const work = thumbnailSpool(spoolDir, "cam").work;
    expect((await readdir(work)).length).toBe(MAX_PENDING_PER_CHANNEL);
    expect(maker.skipped).toBe(5 - MAX_PENDING_PER_CHANNEL);
    await writeFile(gate, "");
    await maker.stop();
    expect(await readdir(work)).toEqual([]);
    expect(maker.failed).toBe(MAX_PENDING_PER_CHANNEL);
  });
});
