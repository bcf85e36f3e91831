import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  type ChannelStatus,
  createS3Client,
  type RunRecord,
  readChannelSettings,
  runKey,
  type StoredSegment,
  statusKey,
} from "@kiroku/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { listAll } from "../helpers/s3";
import { uploadRecordingWithRestart } from "../helpers/segments";

/**
 * Channel settings, list, stat, history, live window override and deletion,
 * through the app in-process against the embedded S3 server over HTTP, with
 * real ffmpeg segments. Heartbeats and run records are seeded with the
 * shared types and keys (the recorder's contract); the clock is pinned.
 */
const BUCKET = "kiroku-channels";
const TOKEN = "channels-token-0123456789";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
const auth = { Authorization: `Bearer ${TOKEN}` };
const json = { ...auth, "Content-Type": "application/json" };
const iso = (ms: number) => new Date(ms).toISOString();
let bucket: RecordedBucket;
let s3: S3Client;
let now = T0;
// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;

const makeApp = (extra: Record<string, string> = {}) => {
  const config = parseApiConfig({
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
    ...extra,
  });
  return createApp({
    config,
    s3: createS3Client(config.s3, { maxAttempts: 1 }),
    now: () => now,
  });
};
let app: ReturnType<typeof makeApp>;
const get = async (p: string) => {
  const res = await app.request(p, { headers: auth });
  return { status: res.status, body: (await res.json()) as Json };
};
const send = async (method: string, p: string, body?: unknown) => {
  const res = await app.request(p, {
    method,
    headers: json,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
};

async function putJson(key: string, value: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: "application/json",
    }),
  );
}

/** Every key under a prefix, sorted. */
async function keysUnder(prefix: string): Promise<string[]> {
  return (await listAll(s3, BUCKET, prefix)).map((o) => o.key).sort();
}

function heartbeat(channel: string, over: Partial<ChannelStatus> = {}): ChannelStatus {
  return {
    schema: 1,
    channel,
    state: "recording",
    since: iso(T0 - 60_000),
    source: "rtsp://admin:hunter2@192.168.1.20:554/stream1",
    media: {
      videoCodec: "h264",
      width: 320,
      height: 240,
      fps: 25,
      bitrate: 400_000,
      audioCodec: "aac",
      audioSampleRate: 48_000,
    },
    lastSegment: {
      key: `movie/${channel}/2026-11-22/10-29-58.000Z_2000ms_r2_s5.ts`,
      startMs: T0 - 2_000,
      durationMs: 2_000,
    },
    queue: { segments: 1, bytes: 50_000 },
    diskFreeBytes: 1e9,
    dropped: 0,
    lastError: null,
    recorderVersion: "0.1.0",
    updatedAt: iso(T0),
    intervalSeconds: 5,
    hostname: "pi-test",
    ...over,
  };
}

function runRecord(channel: string, run: number, startMs: number, endMs: number | null): RunRecord {
  return {
    schema: 1,
    channel,
    run,
    startedAt: iso(startMs),
    endedAt: endMs === null ? null : iso(endMs),
    endReason: endMs === null ? null : run % 2 ? "source-lost" : "shutdown",
    source: "rtmp://0.0.0.0:1935/live/secret-stream-key",
    remoteAddress: `10.0.0.${run}`,
    recorderVersion: "0.1.0",
    hostname: "pi-test",
    updatedAt: iso(endMs ?? startMs),
  };
}

let cam1: StoredSegment[];
let cam1End: number;

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0, channel: "cam1" });
  s3 = bucket.s3;
  cam1 = bucket.segments;
  cam1End = bucket.endMs;
  // recordings only
  await uploadRecordingWithRestart({
    s3,
    bucket: BUCKET,
    movieKey: "movie",
    startMs: T0,
    channel: "yard",
  });
  app = makeApp();
});

afterAll(async () => {
  await bucket?.cleanup();
});

describe("settings", () => {
  it("PUT creates (201) then replaces (200, createdAt kept); the bucket object is what the recorder reads", async () => {
    now = T0;
    const created = await send("PUT", "/v1/channels/cam1", {
      description: "玄関 front door",
      liveWindow: 2,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "cam1",
      description: "玄関 front door",
      status: "enabled",
      liveWindow: 2,
      createdAt: iso(T0),
    });
    now = T0 + 1_000;
    const replaced = await send("PUT", "/v1/channels/cam1", { description: "front door" });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      liveWindow: null,
      effectiveLiveWindow: 3,
      createdAt: iso(T0),
      updatedAt: iso(T0 + 1_000),
    });
    const again = await send("PUT", "/v1/channels/cam1", { description: "front door" });
    expect(again.body.description).toBe("front door"); // idempotent
    const status = await send("PUT", "/v1/channels/cam1/status", { status: "disabled" });
    expect(status.body).toMatchObject({ status: "disabled", description: "front door" });
    const stored = await readChannelSettings(s3, BUCKET, "movie", "cam1");
    expect(stored).toMatchObject({
      schema: 1,
      channel: "cam1",
      status: "disabled",
      description: "front door",
    });
    await send("PUT", "/v1/channels/cam1/status", { status: "enabled" });
    expect((await readChannelSettings(s3, BUCKET, "movie", "cam1"))?.status).toBe("enabled");
  });

  it("GET /v1/channels merges channels with settings, with only recordings and with only a heartbeat", async () => {
    now = T0 + 2_000;
    await putJson(statusKey("movie", "porch"), heartbeat("porch", { updatedAt: iso(T0) }));
    const { status, body } = await get("/v1/channels");
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.channels.map((c: Json) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(["cam1", "porch", "yard"]);
    expect(byName.cam1).toMatchObject({
      description: "front door",
      hasSettings: true,
      hasRecordings: true,
      state: "Idle",
    });
    expect(byName.yard).toMatchObject({
      description: "",
      hasSettings: false,
      hasRecordings: true,
      state: "Idle",
    });
    expect(byName.porch).toMatchObject({
      hasSettings: false,
      hasRecordings: false,
      state: "Live",
      heartbeatAge: 2,
    });
  });

  it("GET /v1/channels/:ch answers settings and stat; 404 for a channel nothing is known of", async () => {
    const { status, body } = await get("/v1/channels/cam1");
    expect(status).toBe(200);
    expect(body.settings).toMatchObject({ description: "front door", status: "enabled" });
    expect(body.stat.state).toBe("Idle");
    const missing = await get("/v1/channels/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("CHANNEL_NOT_FOUND");
  });
});

describe("stat", () => {
  it("goes Live → Idle as the heartbeat ages, and Disabled by settings, with media, backlog and a redacted source", async () => {
    await putJson(statusKey("movie", "cam1"), heartbeat("cam1", { updatedAt: iso(T0) }));
    now = T0 + 4_000;
    const live = await get("/v1/channels/cam1/stat");
    expect(live.body).toMatchObject({
      state: "Live",
      since: iso(T0 - 60_000),
      heartbeatAge: 4,
      source: "rtsp://***@192.168.1.20:554/stream1",
      video: { codec: "h264", width: 320, height: 240, fps: 25, bitrate: 400_000 },
      audio: { codec: "aac", sampleRate: 48_000 },
      lastSegmentTime: iso(T0 - 2_000),
      uploadBacklog: { segments: 1, bytes: 50_000 },
      lastError: null,
    });
    expect(JSON.stringify(live.body)).not.toContain("hunter2");
    now = T0 + 15_000; // 3 intervals of 5 s
    const idle = await get("/v1/channels/cam1/stat");
    expect(idle.body).toMatchObject({ state: "Idle", since: iso(T0), heartbeatAge: 15 });
    now = T0 + 4_000;
    await send("PUT", "/v1/channels/cam1/status", { status: "disabled" });
    const disabled = await get("/v1/channels/cam1/stat");
    expect(disabled.body).toMatchObject({
      state: "Disabled",
      settingsStatus: "disabled",
      recorderState: "recording",
    });
    // The recorder confirms; then the channel is re-enabled but the recorder has not seen it yet.
    await putJson(
      statusKey("movie", "cam1"),
      heartbeat("cam1", { state: "disabled", since: iso(T0 + 3_000), updatedAt: iso(T0 + 3_500) }),
    );
    expect((await get("/v1/channels/cam1/stat")).body).toMatchObject({
      state: "Disabled",
      since: iso(T0 + 3_000),
    });
    await send("PUT", "/v1/channels/cam1/status", { status: "enabled" });
    expect((await get("/v1/channels/cam1/stat")).body.state).toBe("Disabled");
    await putJson(
      statusKey("movie", "cam1"),
      heartbeat("cam1", { since: iso(T0 + 5_000), updatedAt: iso(T0 + 5_000) }),
    );
    now = T0 + 6_000;
    expect((await get("/v1/channels/cam1/stat")).body).toMatchObject({
      state: "Live",
      since: iso(T0 + 5_000),
    });
    const listed = (await get("/v1/channels")).body.channels.find((c: Json) => c.name === "cam1");
    expect(listed.state).toBe("Live");
  });

  it("a junk heartbeat object is ignored (Idle), never a 500", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: statusKey("movie", "junk"), Body: "{not json" }),
    );
    const res = await get("/v1/channels/junk/stat");
    expect(res.status).toBe(200);
    expect(res.body.state).toBe("Idle");
  });
});

describe("history", () => {
  it("lists the latest runs newest first: 10 by default, ?limit up to 100", async () => {
    const hour = 3_600_000;
    for (let run = 1; run <= 12; run++) {
      const start = T0 - (13 - run) * hour;
      await putJson(
        runKey("movie", "cam1", run, start),
        runRecord("cam1", run, start, run === 12 ? null : start + hour / 2),
      );
    }
    const def = await get("/v1/channels/cam1/history");
    expect(def.status).toBe(200);
    expect(def.body.runs.map((r: Json) => r.run)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(def.body.runs[0]).toMatchObject({
      run: 12,
      start: iso(T0 - hour),
      end: null,
      endReason: null,
    });
    expect(def.body.runs[1]).toMatchObject({
      run: 11,
      start: iso(T0 - 2 * hour),
      end: iso(T0 - 1.5 * hour),
      duration: 1800,
      endReason: "source-lost",
      remoteAddress: "10.0.0.11",
      source: "rtmp://0.0.0.0:1935/live/***",
    });
    // Run history (hostnames, versions, sources) is for operators, even under PUBLIC_PLAYBACK.
    const open = await makeApp({ PUBLIC_PLAYBACK: "true" }).request("/v1/channels/cam1/history");
    expect(open.status).toBe(401);
    expect(((await open.json()) as { error: Json }).error).toMatchObject({ code: "AUTH_REQUIRED" });
    expect((await get("/v1/channels/cam1/history?limit=3")).body.runs).toHaveLength(3);
    expect((await get("/v1/channels/cam1/history?limit=100")).body.runs).toHaveLength(12);
    expect((await get("/v1/channels/yard/history")).body.runs).toEqual([]);
  });
});

describe("live window", () => {
  it("live.m3u8 uses the channel's liveWindow; another instance picks it up within the 5 s cache", async () => {
    now = cam1End + 500;
    const other = makeApp();
    const segmentsIn = async (a: ReturnType<typeof makeApp>) => {
      const res = await a.request("/v1/channels/cam1/live.m3u8", { headers: auth });
      expect(res.status).toBe(200);
      return (await res.text()).match(/^#EXTINF/gm)!.length;
    };
    await send("PUT", "/v1/channels/cam1", { description: "front door" });
    expect(await segmentsIn(app)).toBe(3); // LIVE_WINDOW default
    expect(await segmentsIn(other)).toBe(3);
    // (A window never holds less than three target durations, so it grows here.)
    await send("PUT", "/v1/channels/cam1", { description: "front door", liveWindow: 4 });
    expect(await segmentsIn(app)).toBe(4); // the writing instance at once
    expect(await segmentsIn(other)).toBe(3); // cached
    now += 5_000;
    expect(await segmentsIn(other)).toBe(4);
    expect(cam1.length).toBe(6);
  });
});

describe("deleting", () => {
  it("a range deletes exactly the segments inside it, keeps and reports the straddling ones (verified by listing)", async () => {
    const rec = await uploadRecordingWithRestart({
      s3,
      bucket: BUCKET,
      movieKey: "movie",
      channel: "del",
      startMs: T0,
    });
    const segs = [...rec.run1, ...rec.run2];
    const before = await keysUnder("movie/del/");
    expect(before).toEqual(segs.map((s) => s.key).sort());
    // From the middle of segment 0 to the middle of segment 4 (across the restart gap).
    const start = segs[0]!.startMs + 500;
    const end = segs[4]!.startMs + 500;
    const res = await send(
      "DELETE",
      `/v1/channels/del/recordings?start=${iso(start)}&end=${iso(end)}`,
    );
    expect(res.status).toBe(200);
    const inside = segs.slice(1, 4).map((s) => s.key);
    expect(res.body.deleted).toBe(inside.length);
    expect(res.body.kept.map((k: Json) => k.key)).toEqual([segs[0]!.key, segs[4]!.key]);
    const after = await keysUnder("movie/del/");
    expect(after).toEqual(before.filter((k) => !inside.includes(k)));
    const empty = await send(
      "DELETE",
      `/v1/channels/del/recordings?start=${iso(start)}&end=${iso(end)}`,
    );
    expect(empty.body).toMatchObject({ deleted: 0 });
  });

  it("DELETE keeps recordings; ?purge=true deletes every object of the channel and reports how many", async () => {
    const common = { s3, bucket: BUCKET, movieKey: "movie", startMs: T0 };
    await uploadRecordingWithRestart({ ...common, channel: "keep" });
    await uploadRecordingWithRestart({ ...common, channel: "gone" });
    await uploadRecordingWithRestart({ ...common, channel: "gone1" }); // a prefix sibling: must survive
    for (const ch of ["keep", "gone"]) {
      await send("PUT", `/v1/channels/${ch}`, { description: ch });
      await putJson(statusKey("movie", ch), heartbeat(ch));
      await putJson(runKey("movie", ch, 1, T0), runRecord(ch, 1, T0, T0 + 1000));
    }
    const stored = await send("POST", "/v1/channels/gone/vod-playlists", {
      name: "evidence",
      start: iso(T0),
      end: iso(T0 + 4_000),
    });
    expect(stored.status).toBe(201);

    const keepRecordings = await keysUnder("movie/keep/");
    const kept = await send("DELETE", "/v1/channels/keep");
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      purge: false,
      recordingsKept: true,
      complete: true,
      deleted: { recordings: 0, metadata: 3 },
    });
    expect(await keysUnder("movie/_meta/keep/")).toEqual([]);
    expect(await keysUnder("movie/keep/")).toEqual(keepRecordings);
    const listed = (await get("/v1/channels")).body.channels.find((c: Json) => c.name === "keep");
    expect(listed).toMatchObject({ hasSettings: false, hasRecordings: true });

    const goneRecordings = await keysUnder("movie/gone/");
    const goneMeta = await keysUnder("movie/_meta/gone/");
    const sibling = await keysUnder("movie/gone1/");
    expect(goneRecordings.length).toBe(7); // 6 segments + the stored playlist
    const purged = await send("DELETE", "/v1/channels/gone?purge=true");
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({
      purge: true,
      complete: true,
      deleted: { recordings: goneRecordings.length, metadata: goneMeta.length },
    });
    expect(await keysUnder("movie/gone/")).toEqual([]);
    expect(await keysUnder("movie/_meta/gone/")).toEqual([]);
    expect(await keysUnder("movie/gone1/")).toEqual(sibling);
    expect((await send("DELETE", "/v1/channels/gone?purge=true")).status).toBe(404);
  });
});
