import { silentLogger } from "@kiroku/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeS3Client } from "../upload/fake-s3-client";
import { MetaWriter } from "./meta-writer";

afterEach(() => {
  vi.useRealTimers();
});

function writer(s3: FakeS3Client, over: { retryMs?: number; maxPending?: number } = {}) {
  return new MetaWriter({ s3: s3.asClient(), bucket: "b", log: silentLogger(), ...over });
}

const bodyOf = (s3: FakeS3Client, i: number) => JSON.parse(String(s3.requests[i]!.input.Body));

/** Lets promise chains run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("MetaWriter", () => {
  it("writes only the latest body of a key that changed while a write was out", async () => {
    const s3 = new FakeS3Client();
    const w = writer(s3);
    w.put("status.json", { n: 1 });
    await s3.waitFor(1);
    w.put("status.json", { n: 2 });
    w.put("status.json", { n: 3 });
    expect(w.waiting).toBe(1);
    s3.requests[0]!.resolve();
    await s3.waitFor(2);
    expect(bodyOf(s3, 1)).toEqual({ n: 3 });
    s3.requests[1]!.resolve();
    await settle();
    expect(s3.requests).toHaveLength(2); // { n: 2 } was never sent
    expect(w.waiting).toBe(0);
  });

  it("writes JSON with a no-cache content type", async () => {
    const s3 = new FakeS3Client();
    writer(s3).put("movie/_meta/cam/status.json", { state: "recording" });
    await s3.waitFor(1);
    expect(s3.requests[0]!.input).toMatchObject({
      Bucket: "b",
      Key: "movie/_meta/cam/status.json",
      ContentType: "application/json",
      CacheControl: "no-cache",
    });
  });

  it("keeps one pending body per key through an outage and writes the latest when the store answers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const s3 = new FakeS3Client();
    const w = writer(s3, { retryMs: 5_000 });
    s3.down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    for (let n = 1; n <= 100; n++) {
      w.put("a", { n });
      w.put("b", { n });
      await settle();
    }
    expect(s3.refused).toBeGreaterThan(0);
    expect(w.waiting).toBe(2);
    s3.down = undefined;
    await vi.advanceTimersByTimeAsync(5_000); // the retry
    await s3.waitFor(1);
    s3.requests[0]!.resolve();
    await s3.waitFor(2);
    s3.requests[1]!.resolve();
    await settle();
    expect(s3.requests.map((_, i) => [s3.keys()[i], bodyOf(s3, i)])).toEqual([
      ["a", { n: 100 }],
      ["b", { n: 100 }],
    ]);
    expect(w.waiting).toBe(0);
  });

  it("forgets the oldest keys past maxPending", async () => {
    const s3 = new FakeS3Client();
    const w = writer(s3, { maxPending: 3 });
    w.put("k0", {}); // goes out at once and is held
    await s3.waitFor(1);
    for (let i = 1; i <= 5; i++) w.put(`k${i}`, {});
    expect(w.waiting).toBe(3);
    s3.requests[0]!.resolve();
    await s3.waitFor(2);
    for (let i = 1; i < 4; i++) {
      s3.requests[i]!.resolve();
      if (i < 3) await s3.waitFor(i + 2);
    }
    await settle();
    expect(s3.keys()).toEqual(["k0", "k3", "k4", "k5"]);
  });

  it("reports a key written only once its latest body is in the bucket", async () => {
    const s3 = new FakeS3Client();
    const w = writer(s3);
    const written: string[] = [];
    w.put("run", { v: 1 }, () => written.push("v1"));
    await s3.waitFor(1);
    w.put("run", { v: 2 }, () => written.push("v2"));
    s3.requests[0]!.resolve(); // v1 is in, but v2 is not yet: nothing reported
    await s3.waitFor(2);
    expect(written).toEqual([]);
    s3.requests[1]!.resolve();
    await settle();
    expect(written).toEqual(["v1", "v2"]);
  });
});
