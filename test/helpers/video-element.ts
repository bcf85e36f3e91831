import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "./player";

/** What a plain `<video>` element reports. */
export interface VideoState {
  currentTime: number;
  duration: number;
  paused: boolean;
  ended: boolean;
  readyState: number;
  /** MediaError code and message, when the element failed. */
  error: { code: number; message: string } | null;
}

export interface VideoPage {
  page: Page;
  /** Sets the element's `src` (no script player: the browser's own demuxer), muted autoplay. */
  play(url: string): Promise<void>;
  state(): Promise<VideoState>;
  /** Polls until `predicate` holds; throws with the last state after `timeoutMs` or on a media error. */
  waitFor(predicate: (s: VideoState) => boolean, timeoutMs?: number): Promise<VideoState>;
  close(): Promise<void>;
}

/**
 * Debian's Chromium with a blank page holding one `<video>` element, for
 * files a browser plays natively (MP4 downloads), in a fresh profile.
 */
export async function launchVideoPage(): Promise<VideoPage> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "kiroku-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setContent('<!doctype html><video id="v" muted playsinline></video>');
  const state = () =>
    page.evaluate(() => {
      const v = document.getElementById("v") as HTMLVideoElement;
      return {
        currentTime: v.currentTime,
        duration: v.duration,
        paused: v.paused,
        ended: v.ended,
        readyState: v.readyState,
        error: v.error ? { code: v.error.code, message: v.error.message } : null,
      };
    });
  return {
    page,
    play: async (url) => {
      await page.evaluate((u) => {
        const v = document.getElementById("v") as HTMLVideoElement;
        v.muted = true;
        v.src = u;
        void v.play().catch(() => {});
      }, url);
    },
    state,
    waitFor: async (predicate, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = await state();
      while (!predicate(last)) {
        if (last.error) throw new Error(`<video> error: ${JSON.stringify(last)}`);
        if (Date.now() > deadline) {
          throw new Error(`<video> state never matched: ${JSON.stringify(last)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
        last = await state();
      }
      return last;
    },
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
