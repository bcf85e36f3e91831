import { describe, expect, it } from "vitest";
import { runWithS3Work, S3Budget, S3Work } from "./s3-budget";

/** A call that finishes when the test says so, recording when it started. */
function gate(log: string[], name: string) {
  let open!: (v: string) => void;
  let fail!: (err: unknown) => void;
  const call = (signal: AbortSignal) => {
    log.push(name);
    return new Promise<string>((resolve, reject) => {
      open = resolve;
      fail = reject;
      signal.addEventListener("abort", () => reject(new Error(`${name} aborted`)), { once: true });
    });
  };
  return { call, done: (v = name) => open(v), fail: (err: unknown) => fail(err) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const slowDown = Object.assign(new Error("Please reduce your request rate."), {
  name: "SlowDown",
  $metadata: { httpStatusCode: 503 },
});

describe("S3Budget", () => {
  it("runs at most `concurrency` calls and serves waiting requests in turn", async () => {
    const budget = new S3Budget({ concurrency: 1, queueLimit: 100, queueTimeoutMs: 60_000 });
    const log: string[] = [];
    const a = new S3Work();
    const b = new S3Work();
    const gates = new Map<string, ReturnType<typeof gate>>();
    const start = (work: S3Work, name: string) => {
      const g = gate(log, name);
      gates.set(name, g);
      return runWithS3Work(work, () => budget.run(g.call));
    };
    // Request a queues three calls before request b queues one.
    const runs = [start(a, "a1"), start(a, "a2"), start(a, "a3"), start(b, "b1")];
    await tick();
    expect(budget.running).toBe(1);
    expect(budget.waiting).toBe(3);
    for (const name of ["a1", "a2", "b1", "a3"]) {
      await tick();
      gates.get(name)!.done();
      await tick();
    }
    await Promise.all(runs);
    // b1 ran before a3: the slot alternates between requests, not first come first served.
    expect(log).toEqual(["a1", "a2", "b1", "a3"]);
  });

  it("refuses a new request at once when the queue is full, but queues one already under way", async () => {
    const budget = new S3Budget({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000 });
    const log: string[] = [];
    const busy = new S3Work();
    const first = gate(log, "first");
    const waiting = gate(log, "waiting");
    const more = gate(log, "more");
    const p1 = runWithS3Work(busy, () => budget.run(first.call));
    const p2 = runWithS3Work(busy, () => budget.run(waiting.call));
    await tick();
    await expect(
      runWithS3Work(new S3Work(), () => budget.run(async () => "x")),
    ).rejects.toMatchObject({ status: 503, code: "STORAGE_BUSY", retryAfterSeconds: 1 });
    // The request under way may still queue its next call past the limit.
    const p3 = runWithS3Work(busy, () => budget.run(more.call));
    first.done();
    await tick();
    waiting.done();
    await tick();
    more.done();
    expect(await Promise.all([p1, p2, p3])).toEqual(["first", "waiting", "more"]);
  });

  it("gives a request up with 503 once its calls have waited the queue timeout", async () => {
    const budget = new S3Budget({ concurrency: 1, queueLimit: 10, queueTimeoutMs: 30 });
    const log: string[] = [];
    const hog = gate(log, "hog");
    const pHog = runWithS3Work(new S3Work(), () => budget.run(hog.call));
    const starved = runWithS3Work(new S3Work(), () => budget.run(async () => "never"));
    await expect(starved).rejects.toMatchObject({ status: 503, code: "STORAGE_BUSY" });
    expect(budget.waiting).toBe(0);
    hog.done();
    await pHog;
  });

  it("stops a request's other calls when one fails because the store is failing", async () => {
    const budget = new S3Budget({ concurrency: 2, queueLimit: 10, queueTimeoutMs: 60_000 });
    const log: string[] = [];
    const work = new S3Work();
    const day1 = gate(log, "day1");
    const day2 = gate(log, "day2");
    const day3 = gate(log, "day3");
    const runs = [day1, day2, day3].map((g) => runWithS3Work(work, () => budget.run(g.call)));
    const settled = Promise.allSettled(runs);
    await tick();
    day1.fail(slowDown);
    const [r1, r2, r3] = await settled;
    expect(r1).toMatchObject({ status: "rejected", reason: { name: "SlowDown" } });
    // day2 was running: aborted, and reports the failure that stopped it.
    expect(r2).toMatchObject({ status: "rejected", reason: { name: "SlowDown" } });
    // day3 was waiting: never sent.
    expect(r3).toMatchObject({ status: "rejected", reason: { name: "SlowDown" } });
    expect(log).toEqual(["day1", "day2"]);
    // And nothing more is sent for this request.
    await expect(runWithS3Work(work, () => budget.run(async () => "late"))).rejects.toMatchObject({
      name: "SlowDown",
    });
    expect(budget.running).toBe(0);
  });

  it("keeps going after a failure that is not the store's (a missing object)", async () => {
    const budget = new S3Budget({ concurrency: 2, queueLimit: 10, queueTimeoutMs: 60_000 });
    const work = new S3Work();
    const missing = Object.assign(new Error("no such key"), {
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
    await expect(runWithS3Work(work, () => budget.run(() => Promise.reject(missing)))).rejects.toBe(
      missing,
    );
    expect(await runWithS3Work(work, () => budget.run(async () => "next"))).toBe("next");
  });

  it("gives a read up once its storage work has run the work timeout, but not a write", async () => {
    const budget = new S3Budget({
      concurrency: 4,
      queueLimit: 10,
      queueTimeoutMs: 60_000,
      workTimeoutMs: 30,
    });
    const log: string[] = [];
    const slowRead = gate(log, "read");
    await expect(
      runWithS3Work(new S3Work(undefined, true), () => budget.run(slowRead.call)),
    ).rejects.toMatchObject({ status: 503, code: "STORAGE_BUSY" });
    const write = gate(log, "write");
    const pWrite = runWithS3Work(new S3Work(undefined, false), () => budget.run(write.call));
    await new Promise((r) => setTimeout(r, 60));
    write.done();
    expect(await pWrite).toBe("write");
    // A read whose handler is done (a streamed body reading on) has no deadline any more.
    const settled = new S3Work(undefined, true);
    settled.settle();
    const body = gate(log, "body");
    const pBody = runWithS3Work(settled, () => budget.run(body.call));
    await new Promise((r) => setTimeout(r, 60));
    body.done();
    expect(await pBody).toBe("body");
  });

  it("stops a request's calls when its client goes away", async () => {
    const budget = new S3Budget({ concurrency: 1, queueLimit: 10, queueTimeoutMs: 60_000 });
    const log: string[] = [];
    const client = new AbortController();
    const work = new S3Work(client.signal);
    const running = gate(log, "running");
    const queued = gate(log, "queued");
    const settled = Promise.allSettled([
      runWithS3Work(work, () => budget.run(running.call)),
      runWithS3Work(work, () => budget.run(queued.call)),
    ]);
    await tick();
    client.abort();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(log).toEqual(["running"]);
    expect(budget.running).toBe(0);
    expect(budget.waiting).toBe(0);
  });
});
