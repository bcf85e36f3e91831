import type { StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signedQuery } from "../../api/src/access/auth";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { launchPlayer, type Player } from "../helpers/player";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";

const BUCKET = "kiroku-browser";
const SECRET = "browser-signing-secret-0123456789abcdef";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let bucket: RecordedBucket;
let api: ApiProcess;
let player: Player;
let segments: StoredSegment[];
let endMs: number;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0, segmentsPerRun: 3 });
  segments = bucket.segments;
  endMs = bucket.endMs;
  api = await startApiProcess({
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: "browser-token-0123456789",
    SIGNING_SECRET: SECRET,
    SEGMENT_URLS: "presigned",
  });
  player = await launchPlayer();
});

afterAll(async () => {
  await player?.close();
  await api?.stop();
  await bucket?.cleanup();
});

it("hls.js in Chromium plays a range playlist from its start instant, crosses the restart's discontinuity and seeks into the last segment", async () => {
  const startMs = T0 + 1_000;
  const exp = Math.floor(Date.now() / 1000) + 600;
  const q = signedQuery(
    Buffer.from(SECRET),
    { channel: "cam1", resource: "vod", startMs, endMs },
    exp,
  );
  await player.load(`${api.url}/v1/channels/cam1/vod.m3u8?start=${startMs}&end=${endMs}&${q}`);

  // Plays, starting at the requested instant (EXT-X-START 1.000 s into the first segment).
  const playing = await player.waitFor((s) => s.currentTime > 1.3 && s.frags.length > 0);
  expect(playing.frags[0]).toMatchObject({ sn: 0, cc: 0, programDateTime: T0 });
  expect(playing.currentTime).toBeLessThan(4);

  // Just before the end of run 1, then on into run 2: the discontinuity is crossed.
  const run1 = segments.slice(0, 3);
  const run1Seconds = run1.reduce((s, x) => s + x.durationMs, 0) / 1000;
  await player.seek(run1Seconds - 0.7);
  const crossed = await player.waitFor(
    (s) => s.frags.some((f) => f.cc === 1) && s.currentTime > run1Seconds + 0.3,
  );
  const firstOfRun2 = crossed.frags.find((f) => f.cc === 1)!;
  expect(firstOfRun2.programDateTime).toBe(segments[3]!.startMs); // wall clock after the 5 s gap

  // Seek into the last segment and play it to the end.
  const last = segments.at(-1)!;
  const lastStart = segments.slice(0, -1).reduce((s, x) => s + x.durationMs, 0) / 1000;
  await player.seek(lastStart + 0.5);
  const ended = await player.waitFor(
    (s) =>
      s.frags.some((f) => f.sn === segments.length - 1) &&
      (s.ended || s.currentTime > lastStart + 1.5),
  );
  expect(ended.frags.find((f) => f.sn === segments.length - 1)!.programDateTime).toBe(last.startMs);
  expect(ended.errors.filter((e) => e.fatal)).toEqual([]);
});
