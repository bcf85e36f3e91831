import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketSegments, localStatus, names, sleep, startDaemon } from "./upload-harness";

/** Acceptance, wrong credentials: said clearly in logs and status; good credentials upload the backlog. */
describe("recorder daemon with wrong credentials", () => {
  let s3: TestS3;
  let spoolDir: string;
  beforeAll(async () => {
    s3 = await startTestS3({ bucket: "creds-e2e" });
    spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-creds-"));
  });
  afterAll(async () => {
    await s3.cleanup();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("reports SignatureDoesNotMatch in logs and status, keeps every segment, and uploads the backlog once restarted with good credentials", async () => {
    const env = { ...s3.env, CHANNEL: "gate", SPOOL_DIR: spoolDir };
    const bad = startDaemon({ ...env, AWS_SECRET_ACCESS_KEY: "not-the-secret" });
    let completedBefore = 0;
    try {
      const refused = await bad.waitForLog(
        (l) => l.level === 50 && /upload refused/.test(String(l.msg)),
        30_000,
      );
      expect(String(refused.msg)).toMatch(/SignatureDoesNotMatch/);
      expect(String(refused.msg)).toMatch(/AWS_SECRET_ACCESS_KEY/);
      await sleep(6_000);
      const status = await localStatus(spoolDir, "gate");
      expect(status.state).toBe("error");
      expect(status.lastError?.code).toBe("SignatureDoesNotMatch");
      expect(status.lastError?.message).toMatch(/secret key does not match/);
      expect(status.queue.segments).toBeGreaterThanOrEqual(2);
    } finally {
      expect((await bad.stop("SIGTERM")).code).toBe(0);
    }
    // Never a secret in the logs.
    expect(JSON.stringify(bad.logs)).not.toContain("not-the-secret");
    completedBefore = (await names(path.join(spoolDir, "gate", "queue"))).length;
    expect(completedBefore).toBeGreaterThanOrEqual(3);
    expect(await bucketSegments(s3, "gate")).toEqual([]);

    const good = startDaemon(env);
    try {
      await good.waitForLog((l) => l.msg === "segment uploaded", 30_000);
      await sleep(4_000);
    } finally {
      expect((await good.stop("SIGTERM")).code).toBe(0);
    }
    const segs = await bucketSegments(s3, "gate");
    expect(await names(path.join(spoolDir, "gate", "queue"))).toEqual([]);
    expect(segs.length).toBeGreaterThanOrEqual(completedBefore + 1);
    // Nothing lost: the sequence numbers run without a hole from the first segment on.
    const seqs = segs.map((s) => s.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs[0]).toBe(1);
    expect((await localStatus(spoolDir, "gate")).lastError?.code ?? null).not.toBe(
      "SignatureDoesNotMatch",
    );
  }, 120_000);
});
