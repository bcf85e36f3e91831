import type { S3Client } from "@aws-sdk/client-s3";

/** One request the fake client received, held until the test settles it. */
export interface HeldRequest {
  /** The command's class name (`PutObjectCommand`, …). */
  command: string;
  input: Record<string, unknown>;
  /** Settles the request as S3 would: success (with an output) … */
  resolve(output?: Record<string, unknown>): void;
  /** … or failure (an S3-shaped error: `name`, `$metadata.httpStatusCode`). */
  reject(err: unknown): void;
}

/**
 * An in-memory stand-in for S3Client in unit tests of scheduling and
 * bookkeeping (the real store is tested in *.int.test.ts against the
 * embedded server). Every `send` is held until the test resolves or rejects
 * it, so a test decides exactly which upload is in flight when, without
 * timers. Commands named in `answers` are answered at once instead (by
 * default ListMultipartUploads: none open; ListObjectsV2: no keys) and kept
 * in `answered`. It carries
 * just enough `config` for lib-storage's Upload to run a single-part
 * PutObject.
 */
export class FakeS3Client {
  readonly requests: HeldRequest[] = [];
  readonly answered: { command: string; input: Record<string, unknown> }[] = [];
  /** While set, every request fails at once with this error (an outage); counted in `refused`. */
  down: unknown;
  refused = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly answers: Record<string, Record<string, unknown>> = {
      ListMultipartUploadsCommand: { Bucket: "fake", Uploads: [], IsTruncated: false },
      ListObjectsV2Command: { Contents: [], KeyCount: 0, IsTruncated: false },
    },
  ) {}

  readonly config = {
    endpoint: async () => ({ hostname: "fake-s3.test", protocol: "http:", port: 80, path: "/" }),
    requestHandler: {},
  };

  send(command: { input: Record<string, unknown>; constructor: { name: string } }) {
    if (this.down !== undefined) {
      this.refused++;
      return Promise.reject(this.down);
    }
    const answer = this.answers[command.constructor.name];
    if (answer) {
      this.answered.push({ command: command.constructor.name, input: command.input });
      return Promise.resolve({ $metadata: { httpStatusCode: 200 }, ...answer });
    }
    return new Promise((resolve, reject) => {
      this.requests.push({
        command: command.constructor.name,
        input: command.input,
        resolve: (output = {}) => resolve({ $metadata: { httpStatusCode: 200 }, ...output }),
        reject,
      });
      for (const w of [...this.waiters]) w();
    });
  }

  /** As an S3Client, for code that takes one. */
  asClient(): S3Client {
    return this as unknown as S3Client;
  }

  /** Keys of the requests so far (PutObject and friends), in the order sent. */
  keys(): string[] {
    return this.requests.map((r) => String(r.input.Key));
  }

  /** Resolves once at least `n` requests have been sent (rejects after `timeoutMs` of real time). */
  waitFor(n: number, timeoutMs = 2_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.requests.length >= n) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${n} S3 requests, got ${this.requests.length}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** An error shaped like the SDK's for an S3 error response. */
export function s3Error(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode } });
}
