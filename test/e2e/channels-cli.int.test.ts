import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { readChannelSettings } from "@kiroku/shared";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";

/**
 * The operator CLI as a terminal user runs it (`pnpm api channels …`, here
 * from source: `node --import tsx api/src/cli.ts channels …`), against the
 * real API process and the embedded S3 server.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUCKET = "kiroku-cli";
const TOKEN = "cli-token-0123456789abcdef";
const T0 = Date.UTC(2026, 10, 22, 10, 30, 0);
let bucket: RecordedBucket;
let s3: S3Client;
let api: ApiProcess;
let endMs: number;

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(root, "api/src/cli.ts"), "channels", ...args],
      {
        cwd: root,
        env: { ...process.env, KIROKU_API_URL: api.url, API_TOKEN: TOKEN, ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  s3 = bucket.s3;
  endMs = bucket.endMs;
  api = await startApiProcess({
    ...bucket.env,
    TARGET_DURATION: "2",
    API_TOKEN: TOKEN,
  });
});

afterAll(async () => {
  await api?.stop();
  await bucket?.cleanup();
});

it("creates, changes, lists, disables and inspects a channel from the terminal", async () => {
  const put = await cli([
    "put",
    "cam1",
    "--description",
    "Front door",
    "--live-window",
    "5",
    "--json",
  ]);
  expect(put.code, put.stderr).toBe(0);
  expect(JSON.parse(put.stdout)).toMatchObject({
    name: "cam1",
    description: "Front door",
    liveWindow: 5,
  });
  // put changes only what it is given.
  expect((await cli(["put", "cam1", "--live-window", "4"])).code).toBe(0);
  expect(await readChannelSettings(s3, BUCKET, "movie", "cam1")).toMatchObject({
    description: "Front door",
    liveWindow: 4,
    status: "enabled",
  });

  // Without --json every answer is read by a person: labelled lines, no JSON.
  const disabled = await cli(["disable", "cam1"]);
  expect(disabled.code).toBe(0);
  expect(disabled.stdout).toMatch(/^status:\s+disabled$/m);
  expect(disabled.stdout).toMatch(/^description:\s+Front door$/m);
  expect(disabled.stdout).not.toMatch(/[{}"]/);
  expect((await readChannelSettings(s3, BUCKET, "movie", "cam1"))?.status).toBe("disabled");
  const list = await cli(["list"]);
  expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+STATE\s+STATUS/);
  expect(list.stdout).toMatch(/^cam1\s+Disabled\s+disabled\s+yes\s+Front door$/m);
  const stat = await cli(["stat", "cam1"]);
  expect(stat.stdout).toMatch(/^state:\s+Disabled since /m);
  expect((await cli(["enable", "cam1"])).code).toBe(0);
  const history = await cli(["history", "cam1", "--json"]);
  expect(JSON.parse(history.stdout)).toMatchObject({ channel: "cam1", runs: [] });
});

it("stores a playlist, mints a session, and reports the API's 400 naming the field", async () => {
  const range = ["--start", String(T0 / 1000), "--end", String(endMs / 1000)];
  const create = ["playlists", "cam1", "create", "door-1", ...range];
  const created = await cli([...create, "--json"]);
  expect(created.code, created.stderr).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ name: "door-1", segments: 6 });
  const m3u8 = await cli(["playlists", "cam1", "get", "door-1"]);
  expect(m3u8.stdout).toMatch(/^#EXTM3U/);
  expect((await cli(["playlists", "cam1"])).stdout).toMatch(/^door-1\s/m);
  const again = await cli(create); // the same name again
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/409 PLAYLIST_EXISTS/);

  const session = await cli([
    "sessions",
    "cam1",
    "--mode",
    "range",
    ...range,
    "--expires-in",
    "600",
  ]);
  const url = /^url:\s+(\S+)$/m.exec(session.stdout)?.[1] ?? "";
  expect(session.stdout).toMatch(/^expires at:\s+\d{4}-/m);
  expect(url.startsWith(`${api.url}/v1/channels/cam1/vod.m3u8?`)).toBe(true);
  expect((await fetch(url)).status).toBe(200);

  const bad = await cli(["put", "cam1", "--live-window", "101"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(
    /400 INVALID_ARGUMENT: liveWindow must be a whole number from 1 to 100/,
  );
  const noToken = await cli(["disable", "cam1"], { API_TOKEN: "" });
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toMatch(/401 .*set API_TOKEN/);
  const usage = await cli(["stat"]);
  expect(usage.code).toBe(2);
});

it("purges a channel and everything under it", async () => {
  const del = await cli(["delete", "cam1", "--purge", "--json"]);
  expect(del.code, del.stderr).toBe(0);
  expect(JSON.parse(del.stdout)).toMatchObject({
    complete: true,
    deleted: { recordings: 7, metadata: 1 },
  });
  const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "movie/" }));
  expect(left.Contents ?? []).toEqual([]);
});
