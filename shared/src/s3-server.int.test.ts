import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it, onTestFinished } from "vitest";
import { mapLimit } from "./map-limit";
import { type S3Server, type S3ServerOptions, startS3Server } from "./s3-server";

const BUCKET = "test-bucket";

/** A server on port 0 in a fresh temp dir, stopped and removed when the test ends. */
async function freshServer(options: Partial<S3ServerOptions> = {}): Promise<S3Server> {
  const dir = await mkdtemp(path.join(tmpdir(), "kiroku-s3-"));
  const server = await startS3Server({ dir, bucket: BUCKET, ...options });
  onTestFinished(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return server;
}

/** The client configuration the product uses for a custom endpoint. */
function client(
  server: S3Server,
  overrides: Partial<S3ClientConfig> = {},
  { defaultChecksums = false } = {},
): S3Client {
  const s3 = new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: server.credentials,
    ...(defaultChecksums
      ? {}
      : {
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
    ...overrides,
  });
  onTestFinished(() => s3.destroy());
  return s3;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const md5Base64 = (data: Uint8Array | string) => createHash("md5").update(data).digest("base64");

/** Deterministic, non-repeating test bytes. */
function testBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function getBytes(s3: S3Client, key: string, range?: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to fail");
}

describe("embedded S3 server (patched s3rver) with AWS SDK v3", () => {
  it("verifies SigV4 on object and bucket-level requests: the right secret passes, a wrong one gets 403", async () => {
    const server = await freshServer();
    const good = client(server);
    const bad = client(server, {
      credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: "wrong" },
    });

    // Bucket-level requests are sent (and signed) as "/bucket/": these got 403 before the patch.
    await good.send(new CreateBucketCommand({ Bucket: "second-bucket" }));
    await good.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a/b.ts", Body: "x" }));
    const listed = await good.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["a/b.ts"]);
    await good.send(
      new PutBucketCorsCommand({
        Bucket: "second-bucket",
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"] }] },
      }),
    );
    const deleted = await good.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "a/b.ts" }] } }),
    );
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(["a/b.ts"]);

    const denied = { name: "SignatureDoesNotMatch", status: 403 };
    expect(
      await errorOf(bad.send(new PutObjectCommand({ Bucket: BUCKET, Key: "x", Body: "x" }))),
    ).toEqual(denied);
    expect(await errorOf(bad.send(new GetObjectCommand({ Bucket: BUCKET, Key: "x" })))).toEqual(
      denied,
    );
    expect(await errorOf(bad.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toEqual(denied);
    expect(await errorOf(bad.send(new CreateBucketCommand({ Bucket: "third-bucket" })))).toEqual(
      denied,
    );

    // Presigned URLs (how browsers fetch segments) are verified the same way.
    await good.send(new PutObjectCommand({ Bucket: BUCKET, Key: "p q/seg+1.ts", Body: "segment" }));
    const command = new GetObjectCommand({ Bucket: BUCKET, Key: "p q/seg+1.ts" });
    const goodUrl = await getSignedUrl(good, command, { expiresIn: 60 });
    const badUrl = await getSignedUrl(bad, command, { expiresIn: 60 });
    expect(await (await fetch(goodUrl)).text()).toBe("segment");
    expect((await fetch(badUrl)).status).toBe(403);
  });

  it("pages ListObjectsV2 over 2,500 keys: every key once, in S3 order, 3 pages, StartAfter", async () => {
    const server = await freshServer();
    const s3 = client(server);
    // Siblings that sort differently on disk than in S3: "000" < "000-b" < "000.b" < "000/c".
    const keys = Array.from({ length: 2_500 }, (_, i) => {
      const n = String(Math.floor(i / 4)).padStart(3, "0");
      return [`seg/${n}`, `seg/${n}-b`, `seg/${n}.b`, `seg/${n}/c`][i % 4]!;
    });
    await mapLimit(keys, 32, (key) =>
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key })),
    );
    const expected = [...keys].sort();

    const listAll = async (startAfter?: string) => {
      const pages: ListObjectsV2CommandOutput[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: BUCKET,
            Prefix: "seg/",
            ContinuationToken: token,
            StartAfter: token ? undefined : startAfter,
          }),
        );
        pages.push(page);
        token = page.NextContinuationToken;
        expect(Boolean(token)).toBe(page.IsTruncated === true);
      } while (token && pages.length < 10);
      return { pages, keys: pages.flatMap((p) => (p.Contents ?? []).map((o) => o.Key!)) };
    };

    const all = await listAll();
    expect(all.pages.map((p) => p.KeyCount)).toEqual([1000, 1000, 500]);
    expect(all.keys).toEqual(expected);
    expect(new Set(all.keys).size).toBe(2_500);

    const after = expected[1234]!;
    const rest = await listAll(after);
    expect(rest.keys).toEqual(expected.slice(1235));
    expect(rest.pages.map((p) => p.KeyCount)).toEqual([1000, 265]);

    // A token that is not ours is an error, not a 500.
    expect(
      await errorOf(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: "x" }))),
    ).toMatchObject({ status: 400 });
  });

  it("stores streamed uploads byte-exact: PutObject with a stream and lib-storage Upload", async () => {
    const server = await freshServer();
    const s3 = client(server);
    // SDK defaults: a stream Body goes out aws-chunked with a CRC32 trailer
    // (STREAMING-UNSIGNED-PAYLOAD-TRAILER), which upstream stored framing and all.
    const s3Defaults = client(server, {}, { defaultChecksums: true });

    const small = testBytes(700_000, 7);
    for (const [name, c] of [
      ["when-required", s3],
      ["sdk-defaults", s3Defaults],
    ] as const) {
      const key = `stream/${name}.ts`;
      const body = Readable.from([small.subarray(0, 300_001), small.subarray(300_001)]);
      await c.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: small.length }),
      );
      expect(sha256(await getBytes(s3, key))).toBe(sha256(small));
    }

    const big = testBytes(12 * 1024 * 1024 + 12_345, 11);
    for (const [name, c, body] of [
      ["buffer", s3, big],
      ["stream-sdk-defaults", s3Defaults, Readable.from([big])],
    ] as const) {
      const key = `upload/${name}.ts`;
      const result = await new Upload({
        client: c,
        params: { Bucket: BUCKET, Key: key, Body: body },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
      }).done();
      // S3's multipart ETag form: md5 of the part md5s, "-" and the part count.
      expect(result.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
      expect(sha256(await getBytes(s3, key))).toBe(sha256(big));
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(uploads.Uploads ?? []).toEqual([]); // completed uploads are cleaned up
  });

  it("rejects a wrong Content-MD5 with BadDigest and keeps the previous object", async () => {
    const server = await freshServer();
    const s3 = client(server);
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "k", Body: "old", ContentMD5: md5Base64("old") }),
    );
    expect(
      await errorOf(
        s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: "k",
            Body: "new",
            ContentMD5: md5Base64("other"),
          }),
        ),
      ),
    ).toEqual({ name: "BadDigest", status: 400 });
    expect((await getBytes(s3, "k")).toString()).toBe("old");

    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "m" }),
    );
    const part = testBytes(1000);
    expect(
      await errorOf(
        s3.send(
          new UploadPartCommand({
            Bucket: BUCKET,
            Key: "m",
            UploadId,
            PartNumber: 1,
            Body: part,
            ContentMD5: md5Base64("not the part"),
          }),
        ),
      ),
    ).toEqual({ name: "BadDigest", status: 400 });
    const ok = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: "m",
        UploadId,
        PartNumber: 1,
        Body: part,
        ContentMD5: md5Base64(part),
      }),
    );
    expect(ok.ETag).toBe(`"${createHash("md5").update(part).digest("hex")}"`);
  });

  it("aborts a multipart upload: it is no longer listed and its id is gone", async () => {
    const server = await freshServer();
    const s3 = client(server);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "movie/cam1/x.ts" }),
    );
    const { ETag } = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: "movie/cam1/x.ts",
        UploadId,
        PartNumber: 1,
        Body: "part",
      }),
    );
    const before = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(before.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([
      ["movie/cam1/x.ts", UploadId],
    ]);

    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "movie/cam1/x.ts", UploadId }),
    );
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(after.Uploads ?? []).toEqual([]);
    const noSuchUpload = { name: "NoSuchUpload", status: 404 };
    expect(
      await errorOf(
        s3.send(
          new UploadPartCommand({
            Bucket: BUCKET,
            Key: "movie/cam1/x.ts",
            UploadId,
            PartNumber: 2,
            Body: "late",
          }),
        ),
      ),
    ).toEqual(noSuchUpload);
    expect(
      await errorOf(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: "movie/cam1/x.ts",
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
          }),
        ),
      ),
    ).toEqual(noSuchUpload);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.KeyCount).toBe(0);
  });

  it("lists common prefixes as S3 does: of keys folders deep, and for a delimiter of several characters", async () => {
    const server = await freshServer();
    const s3 = client(server);
    for (const key of [
      "movie/_meta/a/settings.json",
      "movie/_meta/a/runs/1.json",
      "movie/_meta/a/runs/2.json",
      "movie/_meta/b/status.json",
      "movie/_meta/c/index/2026-01-01.json",
      "movie/a/2026-01-01/x.ts",
      "movie/b/2026-01-02/deep/y.ts",
      "movie/top.json",
    ])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "{}" }));
    const list = async (Prefix: string, Delimiter: string) => {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix, Delimiter }));
      return {
        keys: (r.Contents ?? []).map((o) => o.Key),
        prefixes: (r.CommonPrefixes ?? []).map((p) => p.Prefix),
      };
    };
    expect(await list("movie/", "/")).toEqual({
      keys: ["movie/top.json"],
      prefixes: ["movie/_meta/", "movie/a/", "movie/b/"],
    });
    expect(await list("movie/_meta/", "/runs/")).toEqual({
      keys: [
        "movie/_meta/a/settings.json",
        "movie/_meta/b/status.json",
        "movie/_meta/c/index/2026-01-01.json",
      ],
      prefixes: ["movie/_meta/a/runs/"],
    });
  });

  it("serves byte ranges, including suffix ranges, as S3 does", async () => {
    const server = await freshServer();
    const s3 = client(server);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "r", Body: "0123456789" }));
    expect((await getBytes(s3, "r", "bytes=2-4")).toString()).toBe("234");
    expect((await getBytes(s3, "r", "bytes=7-")).toString()).toBe("789");
    expect((await getBytes(s3, "r", "bytes=-3")).toString()).toBe("789");
    expect((await getBytes(s3, "r", "bytes=-30")).toString()).toBe("0123456789");
    expect(await errorOf(getBytes(s3, "r", "bytes=10-"))).toEqual({
      name: "InvalidRange",
      status: 416,
    });
  });

  it("answers CORS preflights and cross-origin GETs for the browser player", async () => {
    const server = await freshServer();
    const s3 = client(server);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "movie/seg.ts", Body: "0123" }));
    const url = `${server.endpoint}/${BUCKET}/movie/seg.ts`;
    const origin = "http://localhost:8080";

    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range",
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("GET");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("range");

    const signed = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: BUCKET, Key: "movie/seg.ts" }),
    );
    const res = await fetch(signed, { headers: { Origin: origin, Range: "bytes=1-2" } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("12");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = res.headers.get("access-control-expose-headers") ?? "";
    for (const header of ["ETag", "Content-Length", "Content-Range"])
      expect(exposed).toContain(header);
  });

  it("keeps its data across stop and a restart on the same port (an outage)", async () => {
    const first = await freshServer();
    const s3 = client(first, { maxAttempts: 1 });
    const data = testBytes(100_000, 3);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "keep/me.ts", Body: data }));

    await first.stop();
    await first.stop(); // idempotent
    const down = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "keep/me.ts" })),
    );
    expect(down.status).toBeUndefined(); // a connection error, not an HTTP answer

    const second = await startS3Server({ dir: first.dir, port: first.port, bucket: BUCKET });
    onTestFinished(() => second.stop());
    expect(second.endpoint).toBe(first.endpoint);
    expect(sha256(await getBytes(s3, "keep/me.ts"))).toBe(sha256(data));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["keep/me.ts"]);

    // A second server on a busy port fails with EADDRINUSE instead of crashing the process.
    await expect(startS3Server({ dir: first.dir, port: second.port })).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });

  it("uses the credentials it is given", async () => {
    const server = await freshServer({ accessKeyId: "KIROKUTEST", secretAccessKey: "s3cret" });
    expect(server.credentials).toEqual({ accessKeyId: "KIROKUTEST", secretAccessKey: "s3cret" });
    const s3 = client(server);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "c", Body: "c" }));
    const wrong = client(server, {
      credentials: { accessKeyId: "KIROKUTEST", secretAccessKey: "S3RVER" },
    });
    expect(await errorOf(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toEqual({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
  });
});
