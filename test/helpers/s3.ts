import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createS3Client, type S3Settings } from "@kiroku/shared";
import { type S3Server, startS3Server } from "@kiroku/shared/s3-server";

/** An embedded S3 server in a fresh temp folder, with a client for it. */
export interface TestS3 {
  bucket: string;
  /** Data folder of the server (kept across stop/start, removed by `cleanup`). */
  dir: string;
  /** Current server; replaced by `start()`. */
  server: S3Server;
  endpoint: string;
  port: number;
  /** Settings for `createS3Client` or the product's env (`S3_ENDPOINT` etc.). */
  settings: S3Settings;
  /** A client with the SDK's retries off, so a test sees failures as they happen. */
  s3: S3Client;
  /** The env variables a product process needs to reach this server. */
  env: Record<string, string>;
  /** Simulates an outage: stops listening, drops open connections. Data stays. */
  stop(): Promise<void>;
  /** Ends an outage: a new server on the same port and folder. */
  start(): Promise<void>;
  /** Stops the server and removes its folder (afterAll). */
  cleanup(): Promise<void>;
}

/**
 * Starts the embedded S3 server for one test suite: fresh temp folder, a
 * bucket, a free port (or `port`), and a client. Use `stop()`/`start()` to
 * simulate an outage on the same address.
 */
export async function startTestS3(opts: { bucket?: string; port?: number } = {}): Promise<TestS3> {
  const bucket = opts.bucket ?? "kiroku-test";
  const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-s3-"));
  let server = await startS3Server({ dir, bucket, port: opts.port ?? 0 });
  const settings: S3Settings = {
    bucket,
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
  };
  const s3 = createS3Client(settings, { maxAttempts: 1 });
  const env = {
    S3_BUCKETNAME: bucket,
    S3_ENDPOINT: server.endpoint,
    S3_REGION: "us-east-1",
    S3_FORCE_PATH_STYLE: "true",
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  };
  let running = true;
  const handle: TestS3 = {
    bucket,
    dir,
    server,
    endpoint: server.endpoint,
    port: server.port,
    settings,
    s3,
    env,
    async stop() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async start() {
      if (running) return;
      server = await startS3Server({ dir, bucket, port: handle.port });
      handle.server = server;
      running = true;
    },
    async cleanup() {
      s3.destroy();
      await handle.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Every key (with its size) under a prefix, all pages. */
export async function listAll(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of res.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The bytes of an object. */
export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** An object and its metadata. */
export async function getObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: Buffer; contentType?: string; metadata: Record<string, string> }> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return {
    body: Buffer.from(await res.Body!.transformToByteArray()),
    ...(res.ContentType ? { contentType: res.ContentType } : {}),
    metadata: res.Metadata ?? {},
  };
}

/** Keys of multipart uploads still open in the bucket. */
export async function openMultipartUploads(s3: S3Client, bucket: string): Promise<string[]> {
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (res.Uploads ?? []).map((u) => u.Key!);
}

/** Hex SHA-256 of bytes. */
export function sha256(bytes: Buffer | Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
