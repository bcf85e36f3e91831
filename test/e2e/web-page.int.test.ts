import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/ffmpeg-tools";
import {
  DESKTOP,
  openBrowser,
  PHONE,
  screenshot,
  startWebSite,
  videoTimes,
  type WebSite,
} from "./web-site";

/**
 * The web page as people use it, in Debian's Chromium at a laptop's
 * 1280×800 and a phone's 390×844, against a real recorder recording four
 * test-pattern channels, the embedded S3 server and the API process.
 * Screenshots of each view at both sizes go to test-artifacts/.
 */
const SIZES = [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const;

let site: WebSite;

beforeAll(async () => {
  site = await startWebSite({ channels: 4 });
  // Every channel live (its heartbeat and first segments in the bucket) before any page opens.
  for (const ch of ["cam1", "cam2", "cam3", "cam4"]) {
    await waitFor(
      async () => {
        const stat = (await (await site.call("GET", `/v1/channels/${ch}/stat`)).json()) as {
          state: string;
        };
        return stat.state === "Live" ? true : undefined;
      },
      90_000,
      `${ch} Live`,
      500,
    );
  }
}, 120_000);

afterAll(async () => {
  await site?.cleanup();
});

/** The timeline's visible window, as the page states it on the element. */
async function view(page: Page): Promise<{ startMs: number; endMs: number }> {
  return page.locator("#timeline").evaluate((el) => ({
    startMs: Number((el as HTMLElement).dataset.viewStart),
    endMs: Number((el as HTMLElement).dataset.viewEnd),
  }));
}

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).boundingBox();
  if (!b) throw new Error(`${selector} is not on the page`);
  return b;
}

function inside(
  b: { x: number; y: number; width: number; height: number },
  vp: typeof DESKTOP | typeof PHONE,
) {
  return (
    b.x >= 0 && b.y >= 0 && b.x + b.width <= vp.width + 0.5 && b.y + b.height <= vp.height + 0.5
  );
}

/** Opens cam1 and waits until it plays live with its recordings drawn. */
async function openLive(page: Page, channel = "cam1"): Promise<void> {
  await page.goto(site.pageUrl(`channel=${channel}`));
  await page.locator('#channel-state .state-word[data-state="Live"]').waitFor({ timeout: 60_000 });
  await page.locator(".timeline .span").first().waitFor({ timeout: 30_000 });
  await page.locator("#clock", { hasText: /^\d{2}:\d{2}:\d{2}$/ }).waitFor({ timeout: 60_000 });
}

describe.each(SIZES)("the channel view at %s size", (name, vp) => {
  it("shows the player and the whole timeline without scrolling, opened on the last recordings and now", async () => {
    const browser = await openBrowser(vp);
    try {
      const { page } = browser;
      await openLive(page);
      const timelineBox = await box(page, "#timeline");
      const videoBox = await box(page, ".screen");
      expect(inside(timelineBox, vp), JSON.stringify(timelineBox)).toBe(true);
      expect(inside(videoBox, vp), JSON.stringify(videoBox)).toBe(true);
      expect(videoBox.height).toBeGreaterThan(150);
      expect(
        await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight),
      ).toBe(true);

      // The opening view holds the most recent recording and now.
      const shown = await view(page);
      const nowMs = await page.evaluate(() => Date.now());
      const res = await site.call(
        "GET",
        `/v1/channels/cam1/recordings?start=${Math.floor((nowMs - 3_600_000) / 1000)}&end=${Math.ceil(nowMs / 1000)}`,
      );
      const spans = ((await res.json()) as { spans: { start: string; end: string }[] }).spans;
      const last = spans.at(-1)!;
      expect(Date.parse(last.start)).toBeGreaterThanOrEqual(shown.startMs);
      expect(Date.parse(last.end)).toBeLessThanOrEqual(shown.endMs);
      expect(nowMs).toBeGreaterThanOrEqual(shown.startMs);
      expect(nowMs).toBeLessThanOrEqual(shown.endMs);
      // A few minutes of recording fill the view rather than a sliver of a day.
      expect(shown.endMs - shown.startMs).toBeLessThanOrEqual(20 * 60_000);

      // Phone fixes: no tick label cut off at the right edge, no empty band above the timeline.
      const cut = await page.$$eval(".timeline .tick", (ticks) => {
        const edge = document.getElementById("timeline")!.getBoundingClientRect().right;
        return ticks
          .filter((t) => (t.textContent ?? "") !== "")
          .filter((t) => t.getBoundingClientRect().left + t.scrollWidth > edge + 1)
          .map((t) => t.textContent);
      });
      expect(cut).toEqual([]);
      const band =
        (await box(page, ".timeline-panel")).y -
        ((await box(page, ".under-video")).y + (await box(page, ".under-video")).height);
      expect(band).toBeLessThan(20);

      // Accessible names: every visible button has one; the timeline's says what the gestures do.
      const unnamed = await page.$$eval("button", (buttons) =>
        buttons
          .filter((b) => b.offsetParent !== null)
          .filter((b) => !(b.getAttribute("aria-label") ?? b.textContent ?? "").trim())
          .map((b) => b.outerHTML),
      );
      expect(unnamed).toEqual([]);
      const label = await page.locator("#timeline").getAttribute("aria-label");
      expect(label).toMatch(/click to play/);
      expect(label).toMatch(/drag to select/);
      expect(label).not.toMatch(/shift/i);
      await screenshot(page, `channel-live-${name}`);

      // Zooming with the pointer over a time keeps that time under the pointer (within 1 %).
      for (const [fraction, deltaY] of [
        [0.3, -300],
        [0.7, 300],
        [0.5, -300],
      ] as const) {
        const before = await view(page);
        const x = timelineBox.x + timelineBox.width * fraction;
        const y = timelineBox.y + timelineBox.height / 2;
        const timeBefore = before.startMs + (before.endMs - before.startMs) * fraction;
        await page.mouse.move(x, y);
        await page.mouse.wheel(0, deltaY);
        await page.waitForFunction(
          (start) => Number(document.getElementById("timeline")!.dataset.viewStart) !== start,
          before.startMs,
        );
        const after = await view(page);
        const width = after.endMs - after.startMs;
        const timeAfter = after.startMs + width * fraction;
        expect(Math.abs(timeAfter - timeBefore) / width).toBeLessThan(0.01);
        expect(width).not.toBe(before.endMs - before.startMs);
      }
    } finally {
      await browser.close();
    }
  });

  it("styles messages by severity, shares a range in a compact field, and shows the keyboard help on ?", async () => {
    const browser = await openBrowser(vp);
    try {
      const { page } = browser;
      await openLive(page);
      // Drag across the recorded part of the view: a range is selected.
      const tl = await box(page, "#timeline");
      const y = tl.y + tl.height / 2;
      const x0 = tl.x + tl.width * 0.55;
      const x1 = tl.x + tl.width * 0.85;
      if (vp.width < 600) {
        // A touch drag: pointer events from a touchscreen.
        await page.locator("#timeline").dispatchEvent("pointerdown", {
          clientX: x0,
          clientY: y,
          pointerId: 1,
          pointerType: "touch",
          isPrimary: true,
          button: 0,
        });
        for (let i = 1; i <= 5; i++)
          await page.locator("#timeline").dispatchEvent("pointermove", {
            clientX: x0 + ((x1 - x0) * i) / 5,
            clientY: y,
            pointerId: 1,
            pointerType: "touch",
            isPrimary: true,
          });
        await page.locator("#timeline").dispatchEvent("pointerup", {
          clientX: x1,
          clientY: y,
          pointerId: 1,
          pointerType: "touch",
          isPrimary: true,
          button: 0,
        });
      } else {
        await page.mouse.move(x0, y);
        await page.mouse.down();
        await page.mouse.move(x1, y, { steps: 8 });
        await page.mouse.up();
      }
      await page.locator("#range-actions").waitFor();
      // The range label stays on one line.
      expect(await page.locator("#range-label").evaluate((el) => el.getClientRects().length)).toBe(
        1,
      );
      await page.locator("#share-button").click();
      await page.locator("#share-field").waitFor();
      const url = await page.locator("#share-url").inputValue();
      expect(url.startsWith(`${site.api.url}/v1/channels/cam1/vod.m3u8?`)).toBe(true);
      // Compact: the share field does not push the timeline off the screen.
      expect(inside(await box(page, "#timeline"), vp)).toBe(true);
      expect(inside(await box(page, "#share-field"), vp)).toBe(true);
      expect(await page.locator("#message").getAttribute("data-severity")).toBe("info");
      const infoColour = await page
        .locator("#message")
        .evaluate((el) => getComputedStyle(el).color);
      await screenshot(page, `channel-share-${name}`);

      // Keyboard help on "?" (focus on the page, not in a field).
      await page
        .locator("body")
        .click({ position: { x: 5, y: 5 } })
        .catch(() => undefined);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("?");
      await page.locator("#help-dialog[open]").waitFor();
      expect(await page.locator("#help-dialog").textContent()).toMatch(/play or pause/);
      await screenshot(page, `keyboard-help-${name}`);
      await page.keyboard.press("Escape");

      // An error looks like one: a wrong token.
      await page.evaluate(() => localStorage.setItem("kiroku.token", "wrong-token-0123456789"));
      await page.reload();
      await page.locator('#message[data-severity="error"]').waitFor({ timeout: 30_000 });
      const errorColour = await page
        .locator("#message")
        .evaluate((el) => getComputedStyle(el).color);
      expect(errorColour).not.toBe(infoColour);
      await screenshot(page, `message-error-${name}`);
    } finally {
      await browser.close();
    }
  });
});

describe.each(SIZES)("the camera wall at %s size", (name, vp) => {
  it("plays all four channels and opens one on click", async () => {
    const browser = await openBrowser(vp);
    try {
      const { page } = browser;
      await page.goto(site.pageUrl("view=wall"));
      await page.locator(".wall-tile").nth(3).waitFor({ timeout: 30_000 });
      expect(await page.locator(".wall-tile").count()).toBe(4);
      // Each tile plays: its currentTime passes 1 s, then moves on further.
      let times: number[] = [];
      const started = await waitFor(
        async () => {
          times = await videoTimes(page, ".wall-tile video");
          return times.length === 4 && times.every((x) => x > 1) ? times : undefined;
        },
        90_000,
        () => `four tiles playing (currentTime ${JSON.stringify(times)})`,
        500,
      );
      await waitFor(
        async () => {
          times = await videoTimes(page, ".wall-tile video");
          return times.every((x, i) => x > started[i]! + 1) ? true : undefined;
        },
        60_000,
        () => `four tiles advancing (from ${JSON.stringify(started)} to ${JSON.stringify(times)})`,
        500,
      );
      await screenshot(page, `camera-wall-${name}`);
      await page.locator('.wall-tile[data-channel="cam3"]').click();
      await page.locator('.channel[data-channel="cam3"][aria-current="true"]').waitFor();
      expect(await page.locator("#wall").isHidden()).toBe(true);
      expect(new URL(page.url()).hash).toBe("#channel=cam3");
      await page
        .locator('#channel-state .state-word[data-state="Live"]')
        .waitFor({ timeout: 30_000 });
      expect(await page.locator(".wall-tile video").count()).toBe(0); // the wall's players are gone
    } finally {
      await browser.close();
    }
  }, 240_000);
});

describe("a disabled channel", () => {
  it("says Disabled with an Enable button, never asks for live.m3u8, and goes Live on Enable without a reload", async () => {
    expect(
      (await site.call("PUT", "/v1/channels/cam4/status", { status: "disabled" })).status,
    ).toBeLessThan(300);
    const shots = [];
    const browser = await openBrowser(DESKTOP);
    try {
      const { page } = browser;
      const liveRequests: string[] = [];
      page.on("request", (r) => {
        if (/\/v1\/channels\/cam4\/live\.m3u8/.test(r.url())) liveRequests.push(r.url());
      });
      await page.goto(site.pageUrl("channel=cam4"));
      await page
        .locator('#channel-state .state-word[data-state="Disabled"]')
        .waitFor({ timeout: 30_000 });
      await page.locator("#channel-state .state-enable").waitFor();
      expect(await page.locator("#offline-word").textContent()).toBe("Disabled");
      await page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });
      // 20 s: the page asks `stat`, not the live playlist.
      await page.waitForTimeout(20_000);
      expect(liveRequests).toEqual([]);
      await screenshot(page, "channel-disabled-desktop");
      shots.push("desktop");

      await page.locator("#channel-state .state-enable").click();
      await page
        .locator('#channel-state .state-word[data-state="Live"]')
        .waitFor({ timeout: 90_000 });
      const t0 = await waitFor(
        async () =>
          (await videoTimes(page, "#video"))[0]! > 0.5
            ? (await videoTimes(page, "#video"))[0]
            : undefined,
        60_000,
        "playing after Enable",
        500,
      );
      await waitFor(
        async () => ((await videoTimes(page, "#video"))[0]! > t0! + 1 ? true : undefined),
        30_000,
        "advancing after Enable",
        500,
      );
      expect(
        await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
      ).toBe(true);
      expect(liveRequests.length).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
    // The phone view of a disabled channel, for the record.
    expect(
      (await site.call("PUT", "/v1/channels/cam4/status", { status: "disabled" })).status,
    ).toBeLessThan(300);
    const phone = await openBrowser(PHONE);
    try {
      await phone.page.goto(site.pageUrl("channel=cam4"));
      await phone.page
        .locator('#channel-state .state-word[data-state="Disabled"]')
        .waitFor({ timeout: 30_000 });
      expect(inside(await box(phone.page, "#channel-state .state-enable"), PHONE)).toBe(true);
      await screenshot(phone.page, "channel-disabled-phone");
    } finally {
      await phone.close();
    }
  }, 300_000);
});
