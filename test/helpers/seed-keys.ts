import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  createS3Client,
  mapLimit,
  overlaps,
  parseSegmentKey,
  type S3Settings,
  type SegmentRef,
  segmentKey,
} from "@kiroku/shared";
import { type S3Server, startS3Server } from "@kiroku/shared/s3-server";

/** `days` of back-to-back segments of a channel from `startMs` (30 s each unless `segmentMs`), run 1, seq from 0. */
function backToBackSegments(opts: {
  channel: string;
  startMs: number;
  days: number;
  segmentMs?: number;
}): SegmentRef[] {
  const segmentMs = opts.segmentMs ?? 30_000;
  const count = Math.round((opts.days * 86_400_000) / segmentMs);
  return Array.from({ length: count }, (_, i) => ({
    channel: opts.channel,
    startMs: opts.startMs + i * segmentMs,
    durationMs: segmentMs,
    run: 1,
    seq: i,
  }));
}

/**
 * Stores `days` of back-to-back segments for a channel, with tiny bodies:
 * listing tests and benchmarks care about keys, not video. Returns the
 * segments in time order. PUTs run with bounded concurrency.
 */
export async function seedSegmentKeys(opts: {
  s3: S3Client;
  bucket: string;
  movieKey: string;
  channel: string;
  startMs: number;
  days: number;
  segmentMs?: number;
  concurrency?: number;
}): Promise<SegmentRef[]> {
  const segments = backToBackSegments(opts);
  await mapLimit(segments, opts.concurrency ?? 32, (seg) =>
    opts.s3.send(
      new PutObjectCommand({
        Bucket: opts.bucket,
        Key: segmentKey(opts.movieKey, seg),
        Body: "ts",
        ContentType: "video/mp2t",
      }),
    ),
  );
  return segments;
}

/**
 * As seedSegmentKeys, but written straight into the folder of an embedded S3
 * server (`startS3Server({ dir })`) instead of PUT over HTTP: the store keeps
 * an object as `{key}._S3rver_object` (its size from the file; metadata and
 * MD5 are optional and made when first read). For tests about listing that
 * need days of keys: 17,280 PUTs take a minute and a half on a busy 2-core
 * machine, these writes a second or two. The server answers for them at once
 * (it reads its folder on every request).
 */
export async function seedSegmentKeysInStore(opts: {
  dir: string;
  bucket: string;
  movieKey: string;
  channel: string;
  startMs: number;
  days: number;
  segmentMs?: number;
}): Promise<SegmentRef[]> {
  const segments = backToBackSegments(opts);
  const folders = new Map<string, Promise<unknown>>();
  await mapLimit(segments, 64, async (seg) => {
    const key = segmentKey(opts.movieKey, seg);
    const file = path.join(opts.dir, opts.bucket, `${key}._S3rver_object`);
    const folder = path.dirname(file);
    if (!folders.has(folder)) folders.set(folder, mkdir(folder, { recursive: true }));
    await folders.get(folder);
    await writeFile(file, "ts");
  });
  return segments;
}

/** Counts the S3 commands a client sends, by command name (e.g. `ListObjectsV2Command`). */
export function countCommands(s3: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "kirokuCountCommands" },
  );
  return counts;
}

/**
 * The embedded S3 server on a folder that keeps a seeded bucket across runs
 * (benchmarks): `seedSegmentKeys` runs only when `{dir}/seeded.json` is
 * missing, then writes it. Scripts sharing a `dir` must seed the same layout.
 */
export async function openSeededBucket(opts: {
  dir: string;
  bucket: string;
  movieKey: string;
  channel: string;
  startMs: number;
  days: number;
}): Promise<{ server: S3Server; settings: S3Settings }> {
  const marker = path.join(opts.dir, "seeded.json");
  await mkdir(opts.dir, { recursive: true });
  const server = await startS3Server({ dir: opts.dir, bucket: opts.bucket });
  const settings: S3Settings = {
    bucket: opts.bucket,
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
  };
  if (!existsSync(marker)) {
    const t0 = performance.now();
    const s3 = createS3Client(settings);
    const segments = await seedSegmentKeys({ s3, ...opts });
    s3.destroy();
    await writeFile(marker, JSON.stringify({ days: opts.days, firstDay: opts.startMs }));
    console.log(
      `seeded ${segments.length} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return { server, settings };
}

/**
 * The naive way of listing a range, the baseline the planner is measured
 * against: every page of the whole channel prefix, then a filter. Returns how
 * many segments overlap [startMs, endMs).
 */
export async function naiveListRange(
  s3: S3Client,
  opts: { bucket: string; movieKey: string; channel: string; startMs: number; endMs: number },
): Promise<number> {
  let token: string | undefined;
  let found = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: opts.bucket,
        Prefix: `${opts.movieKey}/${opts.channel}/`,
        ContinuationToken: token,
      }),
    );
    for (const obj of page.Contents ?? []) {
      const seg = obj.Key ? parseSegmentKey(opts.movieKey, obj.Key) : undefined;
      if (seg && overlaps(seg.startMs, seg.durationMs, opts.startMs, opts.endMs)) found++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/**
 * Runs `fn` with a fresh client for `settings` and returns its result with
 * the wall time of `fn` and the number of ListObjectsV2 requests it sent.
 */
export async function measureListing<T>(
  settings: S3Settings,
  fn: (s3: S3Client) => Promise<T>,
): Promise<{ ms: number; requests: number; result: T }> {
  const s3 = createS3Client(settings);
  const counts = countCommands(s3);
  try {
    const t0 = performance.now();
    const result = await fn(s3);
    const ms = performance.now() - t0;
    return { ms, requests: counts.get("ListObjectsV2Command") ?? 0, result };
  } finally {
    s3.destroy();
  }
}
