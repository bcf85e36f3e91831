import { createS3Client, type StoredSegment } from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { launchPlayer, type Player } from "../helpers/player";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { makeSegmentFiles, uploadRun } from "../helpers/segments";

/**
 * Signed sessions (KVS-style expiring playback URLs): minted by the real
 * `pnpm api` process, played by hls.js in Chromium with no headers; one
 * character changed is refused with 403. Expiry is checked in-process on a
 * pinned clock (the shortest session is 5 minutes).
 */
const BUCKET = "kiroku-sessions";
const TOKEN = "sessions-token-0123456789";
const SECRET = "sessions-signing-secret-0123456789abcdef";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const json = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
type ErrorBody = { error: { code: string; message: string } };
let bucket: RecordedBucket;
let api: ApiProcess;
let player: Player | undefined;
let segments: StoredSegment[];
let endMs: number;

const env = () => ({
  ...bucket.env,
  TARGET_DURATION: "2",
  API_TOKEN: TOKEN,
  SIGNING_SECRET: SECRET,
  SEGMENT_URLS: "presigned",
});

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  endMs = bucket.endMs;
  api = await startApiProcess(env());
});

afterAll(async () => {
  await player?.close();
  await api?.stop();
  await bucket?.cleanup();
});

async function createSession(body: unknown, channel = "cam1"): Promise<Record<string, string>> {
  const res = await fetch(`${api.url}/v1/channels/${channel}/sessions`, {
    method: "POST",
    headers: json,
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, string>;
}

/** The URL with one character of a parameter changed: a digit to the next digit, a letter to another letter. */
function tamper(url: string, param: string): string {
  const u = new URL(url);
  const value = u.searchParams.get(param)!;
  const i = value.length - 2;
  const ch = value[i]!;
  const swapped = /\d/.test(ch) ? String((Number(ch) + 1) % 10) : ch === "A" ? "B" : "A";
  u.searchParams.set(param, value.slice(0, i) + swapped + value.slice(i + 1));
  return u.toString();
}

describe("a range session", () => {
  it("plays in hls.js in Chromium without any header, across the restart", async () => {
    const session = await createSession({
      mode: "range",
      start: iso(T0),
      end: iso(endMs),
      expiresIn: 600,
    });
    expect(session.url).toMatch(
      new RegExp(
        `^${api.url}/v1/channels/cam1/vod\\.m3u8\\?start=${T0}&end=${endMs}&exp=\\d+&sig=`,
      ),
    );
    expect(Date.parse(session.expiresAt!) - Date.now()).toBeGreaterThan(590_000);
    expect(session.mode).toBe("range");
    player = await launchPlayer();
    await player.load(session.url!);
    const playing = await player.waitFor((s) => s.currentTime > 1.5 && s.frags.length > 0);
    expect(playing.frags[0]).toMatchObject({ sn: 0, programDateTime: T0 });
    const run1Seconds = segments.slice(0, 3).reduce((s, x) => s + x.durationMs, 0) / 1000;
    await player.seek(run1Seconds - 0.5);
    const crossed = await player.waitFor(
      (s) => s.frags.some((f) => f.cc === 1) && s.currentTime > run1Seconds + 0.3,
    );
    expect(crossed.errors.filter((e) => e.fatal)).toEqual([]);
  });

  it("the same URL with one character changed is refused with 403 INVALID_SIGNATURE (and hls.js fails at once)", async () => {
    const session = await createSession({
      mode: "range",
      start: iso(T0),
      end: iso(endMs),
      expiresIn: 600,
    });
    expect((await fetch(session.url!)).status).toBe(200);
    for (const param of ["sig", "start", "end", "exp"]) {
      const res = await fetch(tamper(session.url!, param));
      expect(res.status, param).toBe(403);
      expect(((await res.json()) as ErrorBody).error.code, param).toBe("INVALID_SIGNATURE");
    }
    const other = session.url!.replace("/cam1/", "/cam2/");
    expect((await fetch(other)).status).toBe(403);
    const p = await launchPlayer();
    try {
      await p.load(tamper(session.url!, "sig"));
      await expect(p.waitFor((s) => s.currentTime > 1, 15_000)).rejects.toThrow(/fatal/);
    } finally {
      await p.close();
    }
  });
});

describe("a live session", () => {
  it("opens live.m3u8 without headers; tampered → 403", async () => {
    // Segments ending a few seconds from now, so the channel is live for the next ~12 s whatever the load.
    const files = await makeSegmentFiles({ count: 3, segmentSeconds: 2 });
    const startMs = Date.now() - 1_000;
    await uploadRun({
      s3: bucket.s3,
      bucket: BUCKET,
      movieKey: "movie",
      channel: "cam2",
      run: 1,
      firstSeq: 0,
      startMs,
      files,
    });
    const session = await createSession({ mode: "live", expiresIn: 300 }, "cam2");
    expect(session.url).toMatch(/\/v1\/channels\/cam2\/live\.m3u8\?exp=\d+&sig=[\w-]{43}$/);
    const res = await fetch(session.url!);
    expect(res.status).toBe(200);
    expect((await res.text()).match(/^#EXTINF/gm)).toHaveLength(3);
    expect((await fetch(tamper(session.url!, "sig"))).status).toBe(403);
  });
});

describe("expiry (pinned clock, in-process)", () => {
  it("a session URL works until expiresAt and is refused with 403 SIGNATURE_EXPIRED after", async () => {
    let now = Date.now();
    const config = parseApiConfig(env());
    const app = createApp({
      config,
      s3: createS3Client(config.s3, { maxAttempts: 1 }),
      now: () => now,
    });
    const res = await app.request("http://api.test/v1/channels/cam1/sessions", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ mode: "range", start: T0, end: endMs, expiresIn: 300 }),
    });
    const session = (await res.json()) as Record<string, string>;
    const expiresAt = Date.parse(session.expiresAt!);
    expect(expiresAt - now).toBeGreaterThan(299_000);
    now = expiresAt - 1_000;
    expect((await app.request(session.url!)).status).toBe(200);
    now = expiresAt + 1_000;
    const expired = await app.request(session.url!);
    expect(expired.status).toBe(403);
    const error = ((await expired.json()) as ErrorBody).error;
    expect(error.code).toBe("SIGNATURE_EXPIRED");
    expect(error.message).toContain(session.expiresAt!);
  });
});
