import { execFile, execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type StoredSegment, thumbnailKey } from "@kiroku/shared";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { thumbnailArgs } from "../../recorder/src/capture/thumbnail-args";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { type RecordedBucket, startRecordedBucket } from "../helpers/recorded-bucket";
import { type Browser, openBrowser, screenshot } from "./web-site";

/**
 * The web page's filmstrip and hover preview in Chromium (UTC), against
 * the API process and the embedded S3 server holding the standard
 * recording (two runs of three 2 s segments around noon) with a real
 * thumbnail per segment. The page is zoomed in to its two-minute view; a
 * screenshot goes to test-artifacts/web-moments.png.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const BUCKET = "kiroku-web-moments";
const TOKEN = "moments-token-0123456789";
// Inside the two-minute view centred on noon that ten zoom-ins of the day end at.
const T0 = Date.UTC(2026, 10, 22, 11, 59, 30);
let bucket: RecordedBucket;
let segments: StoredSegment[];
let api: ApiProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, "scripts/build.mjs"), "api"], {
    cwd: root,
    stdio: "ignore",
  });
  bucket = await startRecordedBucket({ bucket: BUCKET, startMs: T0 });
  segments = bucket.segments;
  for (const seg of segments) {
    const res = await bucket.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: seg.key }));
    const ts = path.join(bucket.work, `${seg.seq}.ts`);
    const jpg = path.join(bucket.work, `${seg.seq}.jpg`);
    await writeFile(ts, await res.Body!.transformToByteArray());
    await run("ffmpeg", thumbnailArgs(ts, jpg, 160));
    await bucket.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: thumbnailKey("movie", seg),
        Body: await readFile(jpg),
        ContentType: "image/jpeg",
      }),
    );
  }
  api = await startApiProcess({ ...bucket.env, TARGET_DURATION: "2", API_TOKEN: TOKEN });
  browser = await openBrowser({ width: 1100, height: 900 }, { timezoneId: "UTC" });
  page = browser.page;
  await page.goto(`${api.url}/#token=${TOKEN}&channel=cam1`);
  await page.locator("#day").fill("2026-11-22");
  await page.locator("#day").dispatchEvent("change");
  for (let i = 0; i < 10; i++) await page.locator("#zoom-in").click();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await bucket?.cleanup();
});

/** The x of an instant on the timeline, from the view the page shows (two minutes around noon). */
async function xOf(ms: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator("#timeline").boundingBox())!;
  const view = {
    startMs: Date.UTC(2026, 10, 22, 11, 59, 0),
    endMs: Date.UTC(2026, 10, 22, 12, 1, 0),
  };
  return {
    x: box.x + ((ms - view.startMs) / (view.endMs - view.startMs)) * box.width,
    y: box.y + box.height / 2,
  };
}

it("shows a filmstrip of the segments' thumbnails, each placed at its time", async () => {
  const strip = page.locator(".filmstrip img");
  await expect.poll(() => strip.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  const times = (await strip.evaluateAll((imgs) =>
    imgs.map((i) => Number((i as HTMLImageElement).dataset.time)),
  )) as number[];
  const starts = new Set(segments.map((s) => s.startMs));
  expect(times.every((t) => starts.has(t))).toBe(true);
  expect(times[0]).toBe(segments[0]!.startMs);
  // Each image has loaded (a real JPEG through its URL) and sits at its time's x.
  await expect
    .poll(() =>
      strip.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth === 160)),
    )
    .toBe(true);
  const at = (await xOf(times[0]!)).x;
  await expect
    .poll(async () => {
      const first = await strip.first().boundingBox();
      return first ? Math.abs(first.x - at) : `no box (${await strip.count()} images)`;
    })
    .toBeLessThan(2);
});

it("previews the image of the segment under the pointer, with its time, and none where nothing was recorded", async () => {
  const preview = page.locator(".moment-preview");
  for (const seg of [segments[1]!, segments[4]!]) {
    const { x, y } = await xOf(seg.startMs + 1_000);
    await page.mouse.move(x, y);
    await expect
      .poll(() => preview.locator("img").getAttribute("data-time"), { timeout: 15_000 })
      .toBe(String(seg.startMs));
    expect(await preview.isVisible()).toBe(true);
    expect(await preview.locator("span").textContent()).toBe(
      new Date(seg.startMs).toISOString().slice(11, 19),
    );
  }
  await screenshot(page, "web-moments");
  // Far from any recording (40 s after the last one): no image, no preview.
  const { x, y } = await xOf(bucket.endMs + 40_000);
  await page.mouse.move(x, y);
  await expect.poll(() => preview.isVisible(), { timeout: 15_000 }).toBe(false);
});

it("offers Download MP4 beside Download clip", async () => {
  const clip = page.locator("#clip-button");
  const mp4 = page.locator("#mp4-button");
  expect(await mp4.textContent()).toBe("Download MP4");
  expect(
    await page.evaluate(() => document.getElementById("clip-button")!.nextElementSibling!.id),
  ).toBe("mp4-button");
  expect(await clip.count()).toBe(1);
});

it("passes the wheel on the filmstrip to the timeline, which stays where it is as the thumbnails give way to a note", async () => {
  const timeline = page.locator("#timeline");
  const strip = page.locator(".filmstrip");
  const before = (await timeline.boundingBox())!;
  const stripBox = (await strip.boundingBox())!;
  const viewOf = () =>
    timeline.evaluate((el) => ({
      startMs: Number((el as HTMLElement).dataset.viewStart),
      endMs: Number((el as HTMLElement).dataset.viewEnd),
    }));
  const fraction = 0.4;
  await page.mouse.move(stripBox.x + stripBox.width * fraction, stripBox.y + stripBox.height / 2);
  // Wheel out over the filmstrip until the view is wider than two hours.
  for (let i = 0; i < 30; i++) {
    const view = await viewOf();
    if (view.endMs - view.startMs > 2 * 3_600_000) break;
    const under = view.startMs + (view.endMs - view.startMs) * fraction;
    await page.mouse.wheel(0, 300);
    await page.waitForFunction(
      (start) => Number(document.getElementById("timeline")!.dataset.viewStart) !== start,
      view.startMs,
    );
    const after = await viewOf();
    const width = after.endMs - after.startMs;
    expect(width).toBeGreaterThan(view.endMs - view.startMs);
    // The time under the pointer stays under it, as on the timeline itself.
    expect(Math.abs(after.startMs + width * fraction - under) / width).toBeLessThan(0.01);
  }
  const wide = await viewOf();
  expect(wide.endMs - wide.startMs).toBeGreaterThan(2 * 3_600_000);
  await expect.poll(() => strip.locator("img").count(), { timeout: 15_000 }).toBe(0);
  expect(await strip.locator(".filmstrip-note").textContent()).toMatch(/2 h/);
  // Neither the timeline nor the filmstrip's row moved or changed size.
  expect(await timeline.boundingBox()).toEqual(before);
  expect(await strip.boundingBox()).toEqual(stripBox);
});
