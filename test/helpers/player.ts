import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Flags that make Debian's Chromium quiet and reliable headless here (FIELD_NOTES: Players). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

/** What the page records from hls.js, read with `Player.state()`. */
export interface PlayerState {
  currentTime: number;
  duration: number;
  paused: boolean;
  ended: boolean;
  /** FRAG_CHANGED events: the fragment now playing (sequence number, discontinuity counter, wall-clock start). */
  frags: { sn: number; cc: number; programDateTime: number | null; start: number }[];
  errors: { fatal: boolean; type: string; details: string }[];
}

export interface Player {
  page: Page;
  /** Loads `url` into hls.js (muted autoplay). Retries are off: a failing segment is a fatal error at once. */
  load(url: string): Promise<void>;
  state(): Promise<PlayerState>;
  seek(seconds: number): Promise<void>;
  /** Polls `state()` until `predicate` holds; throws with the last state after `timeoutMs`. */
  waitFor(predicate: (s: PlayerState) => boolean, timeoutMs?: number): Promise<PlayerState>;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><html><body>
<video id="v" muted playsinline></video>
<script src="/hls.js"></script>
<script>
  window.kiroku = { frags: [], errors: [] };
  window.loadHls = (url) => {
    const noRetry = { maxNumRetry: 0, retryDelayMs: 0, maxRetryDelayMs: 0 };
    const policy = { default: { maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000, timeoutRetry: noRetry, errorRetry: noRetry } };
    const hls = new Hls({ fragLoadPolicy: policy, playlistLoadPolicy: policy, manifestLoadPolicy: policy });
    const video = document.getElementById("v");
    hls.on(Hls.Events.FRAG_CHANGED, (_e, d) => window.kiroku.frags.push({
      sn: d.frag.sn, cc: d.frag.cc, programDateTime: d.frag.programDateTime ?? null, start: d.frag.start }));
    hls.on(Hls.Events.ERROR, (_e, d) => window.kiroku.errors.push({ fatal: d.fatal, type: d.type, details: d.details }));
    hls.loadSource(url);
    hls.attachMedia(video);
    video.muted = true;
    video.play().catch(() => {});
    window.hls = hls;
  };
</script></body></html>`;

/**
 * hls.js in Debian's Chromium, driven by playwright-core. The page is served
 * from a loopback HTTP origin (so requests to the API and S3 are real
 * cross-origin requests, CORS included), in a fresh profile.
 */
export async function launchPlayer(): Promise<Player> {
  const hlsJs = await readFile(path.join(root, "api/node_modules/hls.js/dist/hls.min.js"));
  const server: Server = createServer((req, res) => {
    if (req.url === "/hls.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(hlsJs);
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = await mkdtemp(path.join(os.tmpdir(), "kiroku-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    server.close();
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${origin}/`);
  const state = () =>
    page.evaluate(() => {
      const v = document.getElementById("v") as HTMLVideoElement;
      const k = (window as unknown as { kiroku: Pick<PlayerState, "frags" | "errors"> }).kiroku;
      return {
        currentTime: v.currentTime,
        duration: v.duration,
        paused: v.paused,
        ended: v.ended,
        frags: k.frags,
        errors: k.errors,
      };
    });
  return {
    page,
    load: async (url) => {
      await page.evaluate(
        (u) => (window as unknown as { loadHls: (u: string) => void }).loadHls(u),
        url,
      );
    },
    state,
    seek: async (seconds) => {
      await page.evaluate((t) => {
        const v = document.getElementById("v") as HTMLVideoElement;
        v.currentTime = t;
        void v.play().catch(() => {});
      }, seconds);
    },
    waitFor: async (predicate, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = await state();
      while (!predicate(last)) {
        if (last.errors.some((e) => e.fatal)) {
          throw new Error(`hls.js fatal error: ${JSON.stringify(last.errors)}`);
        }
        if (Date.now() > deadline)
          throw new Error(`player state never matched: ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 100));
        last = await state();
      }
      return last;
    },
    close: async () => {
      await context.close().catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(profile, { recursive: true, force: true });
    },
  };
}
