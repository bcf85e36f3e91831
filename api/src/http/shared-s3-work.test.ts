import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { budgetedS3Client, runWithS3Work, S3Budget, S3Work } from "./s3-budget";
import { asSharedS3Work } from "./shared-s3-work";

/** A client whose every call answers after `ms`, or fails when its signal aborts. */
function slowClient(ms: number): S3Client {
  return {
    send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve("listed"), ms);
        options?.abortSignal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(options.abortSignal!.reason);
        });
      }),
  } as unknown as S3Client;
}

describe("asSharedS3Work", () => {
  const budget = () =>
    new S3Budget({ concurrency: 4, queueLimit: 16, queueTimeoutMs: 5_000, workTimeoutMs: 5_000 });

  it("keeps a shared call going when the request that started it goes away", async () => {
    const s3 = budgetedS3Client(slowClient(30), budget());
    const client = new AbortController();
    const request = new S3Work(client.signal, true);
    const shared = runWithS3Work(request, () => asSharedS3Work(() => s3.send({} as never)));
    setTimeout(() => client.abort(), 5);
    await expect(shared).resolves.toBe("listed");
  });

  it("is what makes the difference: the same call as the request's own work is stopped", async () => {
    const s3 = budgetedS3Client(slowClient(30), budget());
    const client = new AbortController();
    const request = new S3Work(client.signal, true);
    const own = runWithS3Work(request, () => s3.send({} as never));
    setTimeout(() => client.abort(), 5);
    await expect(own).rejects.toMatchObject({ code: "CLIENT_GONE" });
  });
});
