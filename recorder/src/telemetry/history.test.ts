import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseRunRecord, type RunRecord, runKey, silentLogger } from "@kiroku/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunHistory } from "./history";
import type { MetaWriter } from "./meta-writer";

/** A MetaWriter stand-in: records every put; `confirm()` plays "the bucket has it". */
class RecordingWriter {
  readonly puts: { key: string; body: RunRecord; onWritten?: () => void }[] = [];
  put(key: string, body: unknown, onWritten?: () => void): void {
    this.puts.push({ key, body: body as RunRecord, ...(onWritten ? { onWritten } : {}) });
  }
  confirmAll(): void {
    for (const p of this.puts) p.onWritten?.();
  }
  asWriter(): MetaWriter {
    return this as unknown as MetaWriter;
  }
}

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
let spoolDir: string;
let now: number;

beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-history-"));
  now = T0;
});
afterEach(async () => {
  await rm(spoolDir, { recursive: true, force: true });
});

function history(writer: RecordingWriter, withSpool = true): RunHistory {
  return new RunHistory({
    writer: writer.asWriter(),
    movieKey: "movie",
    hostname: "pi",
    recorderVersion: "1.2.3",
    clock: () => now,
    log: silentLogger(),
    ...(withSpool ? { spoolDir } : {}),
  });
}

const journals = () => readdir(path.join(spoolDir, "cam", "runs")).catch(() => []);

describe("RunHistory", () => {
  it("writes an open record at run start and the end time and reason at run end, under the run's key", () => {
    const w = new RecordingWriter();
    const h = history(w, false);
    h.runStarted({ channel: "cam", run: 4, startMs: T0, source: "rtsp://cam.local/live" });
    expect(h.open().map((r) => r.run)).toEqual([4]);
    now = T0 + 65_000;
    h.runEnded({ channel: "cam", run: 4, endMs: T0 + 60_000, reason: "source-lost" });
    expect(h.open()).toEqual([]);
    expect(w.puts.map((p) => p.key)).toEqual([
      runKey("movie", "cam", 4, T0),
      runKey("movie", "cam", 4, T0),
    ]);
    expect(parseRunRecord(w.puts[0]!.body)).toMatchObject({
      run: 4,
      startedAt: "2026-11-22T10:00:00.000Z",
      endedAt: null,
      endReason: null,
      source: "rtsp://cam.local/live",
      hostname: "pi",
      recorderVersion: "1.2.3",
    });
    expect(parseRunRecord(w.puts[1]!.body)).toMatchObject({
      endedAt: "2026-11-22T10:01:00.000Z",
      endReason: "source-lost",
      updatedAt: "2026-11-22T10:01:05.000Z",
    });
  });

  it("ignores events of runs it does not know (ended, or never started here)", () => {
    const w = new RecordingWriter();
    const h = history(w, false);
    expect(h.runEnded({ channel: "cam", run: 9, endMs: T0, reason: "shutdown" })).toBeUndefined();
    h.segment({ channel: "cam", run: 9, startMs: T0, durationMs: 2_000 });
    expect(w.puts).toEqual([]);
  });

  it("closes a run a crash left open at its last known segment end, with end reason unknown", async () => {
    const before = new RecordingWriter();
    const crashed = history(before);
    crashed.runStarted({ channel: "cam", run: 7, startMs: T0, source: "test" });
    for (let i = 0; i < 3; i++)
      crashed.segment({ channel: "cam", run: 7, startMs: T0 + i * 2_000, durationMs: 2_000 });
    crashed.segment({ channel: "cam", run: 7, startMs: T0, durationMs: 2_000 }); // late, older: ignored
    await crashed.flush();
    expect(await journals()).toEqual(["r7.json"]);

    // The process dies here. The next start:
    now = T0 + 3_600_000;
    const after = new RecordingWriter();
    const recovering = history(after);
    const closed = await recovering.recoverOpenRuns();
    expect(closed).toHaveLength(1);
    expect(after.puts).toHaveLength(1);
    expect(after.puts[0]!.key).toBe(runKey("movie", "cam", 7, T0));
    expect(parseRunRecord(after.puts[0]!.body)).toMatchObject({
      run: 7,
      startedAt: "2026-11-22T10:00:00.000Z",
      endedAt: "2026-11-22T10:00:06.000Z",
      endReason: "unknown",
      updatedAt: "2026-11-22T11:00:00.000Z",
    });
    // The journal stays until the bucket has the closed record.
    expect(await journals()).toEqual(["r7.json"]);
    after.confirmAll();
    await recovering.flush();
    expect(await journals()).toEqual([]);
  });

  it("keeps closing the same way if the store was down and the recorder crashed again", async () => {
    const crashed = history(new RecordingWriter());
    crashed.runStarted({ channel: "cam", run: 2, startMs: T0, source: "test" });
    crashed.segment({ channel: "cam", run: 2, startMs: T0, durationMs: 30_000 });
    await crashed.flush();
    const second = new RecordingWriter();
    const h2 = history(second);
    await h2.recoverOpenRuns(); // never confirmed: store down
    await h2.flush();
    now = T0 + 7_200_000;
    const third = new RecordingWriter();
    await history(third).recoverOpenRuns();
    expect(third.puts[0]!.body).toMatchObject({
      endedAt: "2026-11-22T10:00:30.000Z",
      endReason: "unknown",
    });
  });

  it("writes again an ended record the bucket never confirmed, keeping its real end reason", async () => {
    const w = new RecordingWriter();
    const h = history(w);
    h.runStarted({ channel: "cam", run: 3, startMs: T0, source: "test" });
    h.segment({ channel: "cam", run: 3, startMs: T0, durationMs: 2_000 });
    h.runEnded({ channel: "cam", run: 3, endMs: T0 + 2_000, reason: "shutdown" });
    await h.flush(); // the write to the bucket did not happen before exit
    const next = new RecordingWriter();
    await history(next).recoverOpenRuns();
    expect(next.puts[0]!.body).toMatchObject({
      endedAt: "2026-11-22T10:00:02.000Z",
      endReason: "shutdown",
    });
  });

  it("removes the journal of a run once its ended record is confirmed, so a restart writes nothing", async () => {
    const w = new RecordingWriter();
    const h = history(w);
    h.runStarted({ channel: "cam", run: 5, startMs: T0, source: "test" });
    h.runEnded({ channel: "cam", run: 5, endMs: T0 + 2_000, reason: "disabled" });
    w.confirmAll();
    await h.flush();
    expect(await journals()).toEqual([]);
    const next = new RecordingWriter();
    expect(await history(next).recoverOpenRuns()).toEqual([]);
    expect(next.puts).toEqual([]);
  });

  it("uses the run's start as its end when no segment end was recorded", async () => {
    const h = history(new RecordingWriter());
    h.runStarted({ channel: "cam", run: 1, startMs: T0, source: "test" });
    await h.flush();
    const next = new RecordingWriter();
    await history(next).recoverOpenRuns();
    expect(next.puts[0]!.body).toMatchObject({
      endedAt: "2026-11-22T10:00:00.000Z",
      endReason: "unknown",
    });
  });

  it("drops a journal that is unreadable or points outside its run's key, writing nothing", async () => {
    const folder = path.join(spoolDir, "cam", "runs");
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "r1.json"), "{ not json");
    const record = {
      schema: 1,
      channel: "cam",
      run: 2,
      startedAt: "2026-11-22T10:00:00.000Z",
      endedAt: null,
      endReason: null,
      source: "test",
      recorderVersion: "1",
      hostname: "pi",
      updatedAt: "2026-11-22T10:00:00.000Z",
    };
    await writeFile(
      path.join(folder, "r2.json"),
      JSON.stringify({ key: "movie/cam/2026-11-22/evil.ts", record }),
    );
    const w = new RecordingWriter();
    expect(await history(w).recoverOpenRuns()).toEqual([]);
    expect(w.puts).toEqual([]);
    expect(await journals()).toEqual([]);
  });
});
