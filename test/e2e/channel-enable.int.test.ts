import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseChannelStatus, statusKey } from "@kiroku/shared";
import { waitFor } from "@kiroku/test/ffmpeg-tools";
import { getObject, startTestS3, type TestS3 } from "@kiroku/test/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiConfig } from "../../api/src/api-config";
import { createApp } from "../../api/src/app";
import { bucketSegments, type DaemonProcess, sleep, startDaemon } from "./upload-harness";

/**
 * Enable/disable reaches the camera through the bucket alone: the API writes
 * the channel settings, a real recorder (test pattern, 2 s segments) polls
 * them, stops capturing within 10 s of a disable and resumes within 10 s of
 * an enable; history shows the two runs with their real start and end.
 */
const TOKEN = "enable-test-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };

describe("channel enable/disable with a real recorder", () => {
  let s3: TestS3;
  let spool: string;
  let daemon: DaemonProcess | undefined;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    s3 = await startTestS3();
    spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-enable-"));
    app = createApp({
      config: parseApiConfig({ ...s3.env, API_TOKEN: TOKEN, TARGET_DURATION: "2" }),
      s3: s3.s3,
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await s3?.cleanup();
    await rm(spool, { recursive: true, force: true });
  });

  const stat = async () =>
    (await (await app.request("/v1/channels/cam1/stat", { headers: auth })).json()) as {
      state: string;
    };
  const heartbeat = async () =>
    parseChannelStatus(
      JSON.parse(
        (await getObject(s3.s3, s3.bucket, statusKey("movie", "cam1"))).body.toString("utf8"),
      ),
    );
  const setStatus = async (status: string) => {
    const res = await app.request("/v1/channels/cam1/status", {
      method: "PUT",
      headers: auth,
      body: JSON.stringify({ status }),
    });
    expect([200, 201]).toContain(res.status); // 201 when the settings object is new
    return Date.now();
  };
  // A probe that throws (the API or S3 not answering yet) counts as "not yet".
  const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) =>
    waitFor(() => probe().catch(() => undefined), timeoutMs, what, 200);

  it("stops within 10 s of a disable, resumes within 10 s of an enable, and records two runs", async () => {
    // SETTINGS_INTERVAL at its default: the cheapest poll that keeps the 10 s promise.
    daemon = startDaemon({ ...s3.env, CHANNEL: "cam1", SPOOL_DIR: spool });
    await until("Live", async () => ((await stat()).state === "Live" ? true : undefined), 30_000);
    await until(
      "three segments",
      async () => ((await bucketSegments(s3, "cam1")).length >= 3 ? true : undefined),
      30_000,
    );

    // Disable: capture stops (ffmpeg finalizes its segment), the heartbeat says disabled.
    const disabledAt = await setStatus("disabled");
    expect((await stat()).state).toBe("Disabled");
    const stopped = await daemon.waitForLog(
      (l) => l.msg === "run ended" && l.reason === "disabled",
      10_000,
    );
    expect(Number(stopped.time) - disabledAt).toBeLessThanOrEqual(10_000);
    await until(
      "heartbeat disabled",
      async () => ((await heartbeat())?.state === "disabled" ? true : undefined),
      10_000,
    );
    await sleep(3_000); // the last segment uploads
    const afterStop = await bucketSegments(s3, "cam1");
    const lastBefore = afterStop.at(-1)!;
    expect(lastBefore.startMs + lastBefore.durationMs).toBeLessThanOrEqual(disabledAt + 10_000);
    await sleep(5_000);
    expect(await bucketSegments(s3, "cam1")).toHaveLength(afterStop.length); // nothing recorded while disabled
    expect((await stat()).state).toBe("Disabled");

    // Enable: a new run starts within 10 s.
    const enabledAt = await setStatus("enabled");
    const resumed = await until(
      "a segment after the enable",
      async () => (await bucketSegments(s3, "cam1")).find((s) => s.startMs > lastBefore.startMs),
      25_000,
    );
    expect(resumed.startMs - enabledAt).toBeLessThanOrEqual(10_000);
    expect(resumed.run).toBe(lastBefore.run + 1);
    await until(
      "Live again",
      async () => ((await stat()).state === "Live" ? true : undefined),
      15_000,
    );

    // History: newest first; run 1 ended "disabled" where its last segment ended, run 2 started with its first segment.
    const history = (await (
      await app.request("/v1/channels/cam1/history", { headers: auth })
    ).json()) as {
      runs: { run: number; start: string; end: string | null; endReason: string | null }[];
    };
    const all = await bucketSegments(s3, "cam1");
    const firstRun = all.filter((s) => s.run === lastBefore.run);
    expect(history.runs.map((r) => r.run)).toEqual([resumed.run, lastBefore.run]);
    const [second, first] = history.runs as [(typeof history.runs)[0], (typeof history.runs)[0]];
    expect(first.endReason).toBe("disabled");
    expect(Date.parse(first.start)).toBe(firstRun[0]!.startMs);
    expect(
      Math.abs(Date.parse(first.end!) - (lastBefore.startMs + lastBefore.durationMs)),
    ).toBeLessThanOrEqual(1_500);
    expect(Date.parse(second.start)).toBe(resumed.startMs);
    expect(second.end).toBeNull();
    console.info(
      `disable → capture stopped in ${Number(stopped.time) - disabledAt} ms; enable → first new segment starts ${resumed.startMs - enabledAt} ms later`,
    );
  }, 180_000);
});
