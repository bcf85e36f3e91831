import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "./player";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** One player on the page, as sampled by `LivePlayers.state()`. */
export interface LivePlayerState {
  currentTime: number;
  paused: boolean;
  /** Every error event, in order (`fatal`: the player gave up on the stream). */
  errors: { fatal: boolean; detail: string }[];
}

export type LivePlayerName = "hlsjs" | "shaka";

export interface LivePlayers {
  page: Page;
  /** Loads the live URL into every player (muted autoplay, each player's default settings). */
  load(url: string): Promise<void>;
  state(): Promise<Record<LivePlayerName, LivePlayerState>>;
  close(): Promise<void>;
}

/**
 * Two maintained players nobody here wrote, side by side in Debian's
 * Chromium: hls.js (the API's page uses it) and Shaka Player (its own
 * MPEG-TS transmuxer). Both run with their default retry and live settings,
 * as a viewer's page would: a test sees what a real viewer sees.
 */
const PAGE = `<!doctype html><html><body>
<video id="hlsjs" muted playsinline></video>
<video id="shaka" muted playsinline></video>
<script src="/hls.js"></script>
<script src="/shaka.js"></script>
<script>
  window.errors = { hlsjs: [], shaka: [] };
  window.loadAll = async (url) => {
    const a = document.getElementById("hlsjs");
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_e, d) => window.errors.hlsjs.push({ fatal: d.fatal, detail: d.details }));
    hls.loadSource(url);
    hls.attachMedia(a);
    a.play().catch(() => {});
    window.hls = hls;
    shaka.polyfill.installAll();
    const b = document.getElementById("shaka");
    const player = new shaka.Player();
    await player.attach(b);
    player.addEventListener("error", (e) => window.errors.shaka.push({
      fatal: e.detail.severity === shaka.util.Error.Severity.CRITICAL, detail: String(e.detail.code) }));
    window.shakaPlayer = player;
    try { await player.load(url); } catch (e) {
      window.errors.shaka.push({ fatal: true, detail: "load " + (e && e.code) });
    }
    b.play().catch(() => {});
  };
</script></body></html>`;

export async function launchLivePlayers(): Promise<LivePlayers> {
  const hlsJs = await readFile(path.join(root, "api/node_modules/hls.js/dist/hls.min.js"));
  const shakaJs = await readFile(
    path.join(root, "test/node_modules/shaka-player/dist/shaka-player.compiled.js"),
  );
  const server: Server = createServer((req, res) => {
    const body = req.url === "/hls.js" ? hlsJs : req.url === "/shaka.js" ? shakaJs : undefined;
    if (body) res.writeHead(200, { "content-type": "text/javascript" }).end(body);
    else res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
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
  return {
    page,
    load: async (url) => {
      await page.evaluate(
        (u) => (window as unknown as { loadAll: (u: string) => Promise<void> }).loadAll(u),
        url,
      );
    },
    // No named functions inside: tsx (esbuild keepNames) would wrap them in a
    // helper that does not exist in the page.
    state: () =>
      page.evaluate(() => {
        const errors = (window as unknown as { errors: Record<string, LivePlayerState["errors"]> })
          .errors;
        return Object.fromEntries(
          ["hlsjs", "shaka"].map((id) => {
            const v = document.getElementById(id) as HTMLVideoElement;
            return [id, { currentTime: v.currentTime, paused: v.paused, errors: errors[id] ?? [] }];
          }),
        ) as Record<LivePlayerName, LivePlayerState>;
      }),
    close: async () => {
      await context.close().catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(profile, { recursive: true, force: true });
    },
  };
}
