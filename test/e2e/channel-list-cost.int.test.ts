import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CHANNEL_SETTINGS_SCHEMA,
  createS3Client,
  mapLimit,
  runKey,
  segmentKey,
  settingsKey,
  statusKey,
} from "@kiroku/shared";
import { heartbeat } from "@kiroku/test/heartbeat";
import { startTestS3, type TestS3 } from "@kiroku/test/s3";
import { type S3RequestCounter, startS3RequestCounter } from "@kiroku/test/s3-request-counter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";

/**
 * `GET /v1/channels` over 100 channels, counted by a proxy in front of the
 * embedded S3 server: two listings find every channel (metadata and
 * recordings, never N scans), an instance reads a metadata object only
 * when it has not read it at the listed ETag, and never one that is not there.
 */
const TOKEN = "channel-list-cost-token-0123";
const auth = { Authorization: `Bearer ${TOKEN}` };
const NOW = Date.parse("2026-11-22T10:30:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const names = Array.from({ length: 100 }, (_, i) => `cam${String(i).padStart(3, "0")}`);
// Five more channels the listing must find too: only recordings, only a heartbeat.
const recordingsOnly = ["orphan1", "orphan2", "orphan3"];
const heartbeatOnly = ["lonely1", "lonely2"];

let s3: TestS3;
let counter: S3RequestCounter;
let client: S3Client;

const put = (key: string, body: unknown) =>
  s3.s3.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      Body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

beforeAll(async () => {
  s3 = await startTestS3({ bucket: "channel-list-cost" });
  counter = await startS3RequestCounter(s3.endpoint);
  client = createS3Client({ ...s3.settings, endpoint: counter.endpoint }, { maxAttempts: 1 });
  await mapLimit([...names, ...recordingsOnly, ...heartbeatOnly], 16, async (ch, i) => {
    const seg = { channel: ch, startMs: NOW - 60_000, durationMs: 30_000, run: 1, seq: i };
    if (!heartbeatOnly.includes(ch)) await put(segmentKey("movie", seg), "ts");
    if (recordingsOnly.includes(ch)) return;
    await put(statusKey("movie", ch), heartbeat(NOW, { channel: ch, updatedAt: iso(NOW - 2_000) }));
    // Run records fold into one common prefix per channel in the listing.
    await put(runKey("movie", ch, 1, NOW - 600_000), { schema: 1 });
    if (heartbeatOnly.includes(ch)) return;
    await put(settingsKey("movie", ch), {
      schema: CHANNEL_SETTINGS_SCHEMA,
      channel: ch,
      description: `camera ${ch}`,
      status: i % 10 === 0 ? "disabled" : "enabled",
      createdAt: iso(NOW - 86_400_000),
      updatedAt: iso(NOW - 86_400_000),
    });
  });
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await counter?.close();
  await s3?.cleanup();
});

describe("the channel list's S3 cost", () => {
  it("lists 105 channels with 2 LISTs, reads each object once per ETag, and again only what changed", async () => {
    const app = createApp({
      config: parseApiConfig({ ...s3.env, API_TOKEN: TOKEN }),
      s3: client,
      now: () => NOW,
    });
    type Channel = { name: string; state: string; hasSettings: boolean; hasRecordings: boolean };
    const list = async () => {
      const res = await app.request("/v1/channels", { headers: auth });
      expect(res.status).toBe(200);
      return ((await res.json()) as { channels: Channel[] }).channels;
    };

    counter.reset();
    const cold = await list();
    expect(cold.map((c) => c.name)).toEqual([...names, ...recordingsOnly, ...heartbeatOnly].sort());
    const byName = new Map(cold.map((c) => [c.name, c]));
    expect(byName.get("cam000")).toMatchObject({ state: "Disabled", hasSettings: true });
    expect(byName.get("cam001")).toMatchObject({ state: "Live", hasRecordings: true });
    expect(byName.get("orphan2")).toMatchObject({ state: "Idle", hasSettings: false });
    expect(byName.get("lonely1")).toMatchObject({ state: "Live", hasRecordings: false });
    console.log(`cold list of ${cold.length} channels: ${JSON.stringify(counter.byKind())}`);
    expect(counter.count("LIST")).toBe(2);
    // One GET per object that exists: 100 settings, 102 heartbeats.
    expect(counter.count("GET", "settings")).toBe(100);
    expect(counter.count("GET", "status")).toBe(102);
    expect(counter.requests).toHaveLength(2 + 202);

    counter.reset();
    const warm = await list();
    expect(warm).toEqual(cold);
    console.log(`warm list: ${JSON.stringify(counter.byKind())}`);
    expect(counter.requests).toHaveLength(2);

    // One recorder writes a new heartbeat: that object alone is read again.
    await put(
      statusKey("movie", "cam001"),
      heartbeat(NOW, { channel: "cam001", state: "reconnecting", updatedAt: iso(NOW - 1_000) }),
    );
    counter.reset();
    const changed = await list();
    expect(changed.find((c) => c.name === "cam001")!.state).toBe("Idle");
    expect(counter.count("LIST")).toBe(2);
    expect(counter.count("GET")).toBe(1);
    expect(counter.requests.find((r) => r.op === "GET")!.key).toBe(statusKey("movie", "cam001"));
  }, 120_000);
});
