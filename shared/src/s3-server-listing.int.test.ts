import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it, onTestFinished } from "vitest";
import { mapLimit } from "./map-limit";
import { type S3Server, startS3Server } from "./s3-server";

/**
 * The embedded S3 server's Delimiter listings and batch deletes, as S3
 * answers them (fixed in the maintained patch of @20minutes/s3rver).
 */
const BUCKET = "listing-bucket";

async function serverAndClient(): Promise<{ server: S3Server; s3: S3Client }> {
  const dir = await mkdtemp(path.join(tmpdir(), "kiroku-s3-"));
  const server = await startS3Server({ dir, bucket: BUCKET });
  const s3 = new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  onTestFinished(async () => {
    s3.destroy();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, s3 };
}

const KEYS = [
  "movie/_meta/cam1/settings.json",
  "movie/cam1/2026-11-22/10-00-00.000Z_30000ms_r1_s0.ts",
  "movie/cam1/2026-11-22/10-00-30.000Z_30000ms_r1_s1.ts",
  "movie/cam1/2026-11-23/00-00-00.000Z_30000ms_r1_s2.ts",
  "movie/cam10/2026-11-22/10-00-00.000Z_30000ms_r1_s0.ts",
  "movie/cam2/vod/a.m3u8",
  "movie/readme.txt",
  "movie/zz.txt",
];

async function put(s3: S3Client, keys: readonly string[]): Promise<void> {
  await mapLimit(keys, 8, (Key) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: "x" })),
  );
}

describe("embedded S3 server: Delimiter listings", () => {
  it("lists every common prefix, including those whose keys sit in deeper folders, and counts them in KeyCount", async () => {
    const { s3 } = await serverAndClient();
    await put(s3, KEYS);
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "movie/", Delimiter: "/" }),
    );
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([
      "movie/_meta/",
      "movie/cam1/",
      "movie/cam10/",
      "movie/cam2/",
    ]);
    expect((page.Contents ?? []).map((c) => c.Key)).toEqual(["movie/readme.txt", "movie/zz.txt"]);
    expect(page.KeyCount).toBe(6);
    expect(page.IsTruncated).toBe(false);
  });

  it("pages through keys and prefixes in key order, each exactly once, MaxKeys counting both", async () => {
    const { s3 } = await serverAndClient();
    await put(s3, KEYS);
    for (const maxKeys of [1, 2, 3]) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: BUCKET,
            Prefix: "movie/",
            Delimiter: "/",
            MaxKeys: maxKeys,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        const entries = [
          ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
          ...(page.Contents ?? []).map((c) => c.Key!),
        ];
        expect(entries.length).toBeLessThanOrEqual(maxKeys);
        expect(page.KeyCount).toBe(entries.length);
        seen.push(...entries.sort());
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages++;
      } while (token && pages < 20);
      expect(seen, `MaxKeys ${maxKeys}`).toEqual([
        "movie/_meta/",
        "movie/cam1/",
        "movie/cam10/",
        "movie/cam2/",
        "movie/readme.txt",
        "movie/zz.txt",
      ]);
    }
  });

  it("starts after a StartAfter that falls inside a common prefix", async () => {
    const { s3 } = await serverAndClient();
    await put(s3, KEYS);
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: "movie/",
        Delimiter: "/",
        StartAfter: "movie/cam1/2026-11-22/",
      }),
    );
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([
      "movie/cam10/",
      "movie/cam2/",
    ]);
  });
});

describe("embedded S3 server: DeleteObjects", () => {
  it("deletes 500 keys spread over a few folders in one batch, every time, without a 500", async () => {
    const { s3 } = await serverAndClient();
    for (let round = 0; round < 2; round++) {
      const keys = Array.from(
        { length: 500 },
        (_, i) => `movie/cam1/2026-11-${String(20 + (i % 4)).padStart(2, "0")}/k${round}-${i}.ts`,
      );
      await put(s3, keys);
      const out = await s3.send(
        new DeleteObjectsCommand({
          Bucket: BUCKET,
          Delete: { Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      expect(out.Errors ?? []).toEqual([]);
      expect(out.Deleted).toHaveLength(500);
      const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "movie/" }));
      expect(left.KeyCount).toBe(0);
    }
  }, 120_000);

  it("keeps an object written into a folder while the folder is being emptied", async () => {
    const { s3 } = await serverAndClient();
    const keys = Array.from({ length: 200 }, (_, i) => `movie/cam1/2026-11-22/old-${i}.ts`);
    await put(s3, keys);
    const fresh = "movie/cam1/2026-11-22/new.ts";
    await Promise.all([
      s3.send(
        new DeleteObjectsCommand({
          Bucket: BUCKET,
          Delete: { Objects: keys.map((Key) => ({ Key })) },
        }),
      ),
      put(s3, [fresh]),
    ]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "movie/" }));
    expect((left.Contents ?? []).map((c) => c.Key)).toEqual([fresh]);
  });
});
