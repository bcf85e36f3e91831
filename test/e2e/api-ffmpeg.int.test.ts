import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedQuery } from "../../api/src/access/auth";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { videoPackets } from "../helpers/ffmpeg-tools";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { makeSegmentFiles } from "../helpers/segments";

const run = promisify(execFile);
const BUCKET = "kiroku-e2e";
const SECRET = "e2e-signing-secret-0123456789abcdef";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const PER_RUN = 3;
let bucket: RecordedBucket;
let segments: StoredSegment[];
let endMs: number;

function apiEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: "e2e-token-0123456789",
    SIGNING_SECRET: SECRET,
    ...extra,
  };
}

/** A signed vod.m3u8 URL, as a player (here ffmpeg) gets it: no headers needed. */
function signedVodUrl(api: ApiProcess, startMs: number, endMs: number): string {
  const q = signedQuery(
    Buffer.from(SECRET),
    { channel: "cam1", resource: "vod", startMs, endMs },
    Math.floor(Date.now() / 1000) + 600,
  );
  return `${api.url}/v1/channels/cam1/vod.m3u8?start=${startMs}&end=${endMs}&${q}`;
}

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0, segmentsPerRun: PER_RUN });
  segments = bucket.segments;
  endMs = bucket.endMs;
});

afterAll(async () => {
  await bucket?.cleanup();
});

describe.each(["presigned", "proxy"])("ffmpeg as the HLS client, SEGMENT_URLS=%s", (mode) => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApiProcess(apiEnv({ SEGMENT_URLS: mode }));
  });
  afterAll(async () => {
    expect(await api?.stop()).toBe(0);
  });

  it("reads a VOD playlist spanning a recorder restart with every segment and every packet", async () => {
    const files = await makeSegmentFiles({ count: PER_RUN });
    let perRun = 0;
    for (const f of files) perRun += await videoPackets(f.path);
    const out = path.join(bucket.work, `vod-${mode}.ts`);
    const { stderr } = await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-loglevel",
        "info",
        "-y",
        "-i",
        signedVodUrl(api, T0, endMs),
        "-c",
        "copy",
        out,
      ],
      { timeout: 60_000 },
    );
    expect(stderr).not.toContain("Failed to open segment");
    expect(stderr).not.toMatch(/HTTP error 4\d\d/);
    // Both runs (one restart, one discontinuity) arrive whole.
    expect(await videoPackets(out)).toBe(2 * perRun);
    expect(segments).toHaveLength(2 * PER_RUN);
  });
});

describe("clip.ts", () => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApiProcess(apiEnv({}));
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("downloads one run's range as a file whose duration ffprobe confirms", async () => {
    const run1 = segments.slice(0, PER_RUN);
    const last = run1.at(-1)!;
    const res = await fetch(
      `${api.url}/v1/channels/cam1/clip.ts?start=${T0}&end=${last.startMs + last.durationMs}`,
      { headers: { Authorization: "Bearer e2e-token-0123456789" } },
    );
    expect(res.status).toBe(200);
    const file = path.join(bucket.work, "clip.ts");
    await writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const { stdout } = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration",
      "-of",
      "csv=p=0",
      file,
    ]);
    const expected = run1.reduce((s, x) => s + x.durationMs, 0) / 1000;
    const duration = Number(stdout.trim());
    expect(duration).toBeGreaterThan(expected - 0.1);
    expect(duration).toBeLessThan(expected + 0.1);
  });
});
