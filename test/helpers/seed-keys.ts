import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type SegmentRef, segmentKey } from "@kiroku/shared";

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
  const segmentMs = opts.segmentMs ?? 30_000;
  const count = Math.round((opts.days * 86_400_000) / segmentMs);
  const segments: SegmentRef[] = Array.from({ length: count }, (_, i) => ({
    channel: opts.channel,
    startMs: opts.startMs + i * segmentMs,
    durationMs: segmentMs,
    run: 1,
    seq: i,
  }));
  await forEachLimit(segments, opts.concurrency ?? 32, (seg) =>
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

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
