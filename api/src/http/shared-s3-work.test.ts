import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { budgetedS3Client, runWithS3Work, S3Budget, S3Work } from "./s3-budget";
import { SharedS3Flight } from "./shared-s3-work";

/** A client whose every call answers after `ms` (or fails with `fail`), or fails when its signal aborts. */
function slowClient(ms: number, fail?: unknown): S3Client & { calls: number } {
  const client = {
    calls: 0,
    send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
      new Promise((resolve, reject) => {
        client.calls++;
        const timer = setTimeout(() => (fail ? reject(fail) : resolve("listed")), ms);
        options?.abortSignal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(options.abortSignal!.reason);
        });
      }),
  };
  return client as unknown as S3Client & { calls: number };
}

const budget = () =>
  new S3Budget({ concurrency: 4, queueLimit: 16, queueTimeoutMs: 5_000, workTimeoutMs: 5_000 });

/** A request's unit of S3 work, and the way its client leaves. */
function request() {
  const client = new AbortController();
  return { work: new S3Work(client.signal, true), leave: () => client.abort() };
}

describe("SharedS3Flight", () => {
  it("keeps a shared call going while another request still waits for it, and makes one call for both", async () => {
    const raw = slowClient(30);
    const s3 = budgetedS3Client(raw, budget());
    const flight = new SharedS3Flight<unknown>();
    const a = request();
    const b = request();
    const first = runWithS3Work(a.work, () => flight.run("k", () => s3.send({} as never)));
    const second = runWithS3Work(b.work, () => flight.run("k", () => s3.send({} as never)));
    setTimeout(a.leave, 5);
    await expect(second).resolves.toBe("listed");
    await expect(first).resolves.toBe("listed"); // the promise was shared; the call was not stopped
    expect(raw.calls).toBe(1);
  });

  it("gives the shared call up once every request that waited for it has gone", async () => {
    const raw = slowClient(1_000);
    const s3 = budgetedS3Client(raw, budget());
    const flight = new SharedS3Flight<unknown>();
    const a = request();
    const only = runWithS3Work(a.work, () => flight.run("k", () => s3.send({} as never)));
    setTimeout(a.leave, 5);
    await expect(only).rejects.toMatchObject({ code: "CLIENT_GONE" });
    expect(flight.size).toBe(0); // the next caller starts afresh
  });

  it("fails each waiting request's own work when the shared call hits a store failure", async () => {
    const slowDown = Object.assign(new Error("SlowDown"), {
      name: "SlowDown",
      $metadata: { httpStatusCode: 503 },
    });
    const s3 = budgetedS3Client(slowClient(5, slowDown), budget());
    const own = budgetedS3Client(slowClient(5), budget());
    const flight = new SharedS3Flight<unknown>();
    const a = request();
    await expect(
      runWithS3Work(a.work, () => flight.run("day-3", () => s3.send({} as never))),
    ).rejects.toMatchObject({ name: "SlowDown" });
    // The request's next call (another day's listing) is not sent.
    await expect(runWithS3Work(a.work, () => own.send({} as never))).rejects.toMatchObject({
      name: "SlowDown",
    });
  });

  it("runs to its end when called outside any request (a background refresh)", async () => {
    const s3 = budgetedS3Client(slowClient(20), budget());
    const flight = new SharedS3Flight<unknown>();
    await expect(flight.run("k", () => s3.send({} as never))).resolves.toBe("listed");
  });
});
