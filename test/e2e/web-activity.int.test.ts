import { execFileSync } from "node:child_process";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { segmentKey } from "@kiroku/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { startTestS3, type TestS3 } from "../helpers/s3";
import { type Browser, openBrowser, screenshot } from "./web-site";

/**
 * The timeline's activity strip in Chromium (UTC), against the API process
 * and the embedded S3 server. Activity comes from segment sizes alone, so
 * the bucket holds one recording run of 30 s segments from 11:50 to 12:10
 * whose bodies are 100 kB, except the minute from 12:00, whose two
 * segments are 400 kB: four times the run's usual bytes per second. The
 * strip must mark that minute (and its hour in the day view) busy and no
 * other. A screenshot goes to test-artifacts/web-activity.png.
 */
const root = path.resolve(import.meta.dirname, "../..");
const BUCKET = "kiroku-web-activity";
const TOKEN = "activity-token-0123456789";
const RUN_START = Date.UTC(2026, 10, 22, 11, 50, 0);
const BUSY_START = Date.UTC(2026, 10, 22, 12, 0, 0);
const BUSY_END = BUSY_START + 60_000;
const SEGMENTS = 40;
const SEGMENT_MS = 30_000;
let s3: TestS3;
let api: ApiProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, "scripts/build.mjs"), "api"], {
    cwd: root,
    stdio: "ignore",
  });
  s3 = await startTestS3({ bucket: BUCKET });
  for (let seq = 0; seq < SEGMENTS; seq++) {
    const startMs = RUN_START + seq * SEGMENT_MS;
    const busy = startMs >= BUSY_START && startMs < BUSY_END;
    const key = segmentKey("movie", {
      channel: "cam1",
      startMs,
      durationMs: SEGMENT_MS,
      run: 1,
      seq,
    });
    await s3.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: new Uint8Array(busy ? 400_000 : 100_000),
      }),
    );
  }
  api = await startApiProcess({ ...s3.env, API_TOKEN: TOKEN });
  browser = await openBrowser({ width: 1100, height: 900 }, { timezoneId: "UTC" });
  page = browser.page;
  await page.goto(`${api.url}/#token=${TOKEN}&channel=cam1`);
  await page.locator("#day").fill("2026-11-22");
  await page.locator("#day").dispatchEvent("change");
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await s3?.cleanup();
});

interface Bar {
  startMs: number;
  endMs: number;
  busy: boolean;
  left: number;
  right: number;
  height: number;
  color: string;
}

/** The strip's bars as drawn: their times, and where they are on screen. */
async function bars(): Promise<Bar[]> {
  return page.locator("#timeline .activity").evaluateAll((els) =>
    els.map((el) => {
      const box = el.getBoundingClientRect();
      const e = el as HTMLElement;
      return {
        startMs: Number(e.dataset.start),
        endMs: Number(e.dataset.end),
        busy: e.classList.contains("busy"),
        left: box.left,
        right: box.right,
        height: box.height,
        color: getComputedStyle(e).backgroundColor,
      };
    }),
  );
}

/** The screen x of an instant, from the view the timeline says it shows. */
async function xOf(ms: number): Promise<number> {
  const timeline = page.locator("#timeline");
  const box = (await timeline.boundingBox())!;
  const start = Number(await timeline.getAttribute("data-view-start"));
  const end = Number(await timeline.getAttribute("data-view-end"));
  return box.x + ((ms - start) / (end - start)) * box.width;
}

const overlapsBusyMinute = (b: Bar) => b.startMs < BUSY_END && b.endMs > BUSY_START;

describe("the activity strip", () => {
  it("marks the busy hour in the day view, with a bar per hour recorded", async () => {
    await expect.poll(async () => (await bars()).length, { timeout: 30_000 }).toBe(2);
    const drawn = await bars();
    expect(drawn.map((b) => [new Date(b.startMs).getUTCHours(), b.busy])).toEqual([
      [11, false],
      [12, true],
    ]);
  });

  it("marks the busy minute, and only it, once zoomed in to minute bars", async () => {
    // Four zoom-ins about noon (each halves the view): 1.5 h, minute bars.
    for (let i = 0; i < 4; i++) await page.locator("#zoom-in").click();
    await expect
      .poll(async () => (await bars()).length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(19);
    const drawn = await bars();
    const busy = drawn.filter((b) => b.busy);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every(overlapsBusyMinute)).toBe(true);
    // Every bar that draws on a quiet segment only is quiet.
    const quiet = drawn.filter((b) => !overlapsBusyMinute(b));
    expect(quiet.length).toBeGreaterThan(15);
    expect(quiet.every((b) => !b.busy)).toBe(true);

    // On screen: a busy bar stands over the middle of the busy minute, in
    // the busy colour and taller than the quiet ones.
    const middle = await xOf(BUSY_START + 30_000);
    const over = busy.find((b) => b.left <= middle + 1 && b.right >= middle - 1);
    expect(over, `a busy bar at x=${middle.toFixed(0)}`).toBeDefined();
    expect(over!.color).toBe("rgb(245, 165, 36)");
    expect(over!.height).toBeGreaterThan(Math.max(...quiet.map((b) => b.height)));
    const quietX = await xOf(RUN_START + 5 * 60_000);
    expect(quiet.some((b) => b.left <= quietX + 1 && b.right >= quietX - 1)).toBe(true);

    await screenshot(page, "web-activity");
  });
});
