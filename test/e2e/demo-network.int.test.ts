import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/ffmpeg-tools";
import { type Browser, openBrowser, screenshot } from "./web-site";

const root = path.resolve(import.meta.dirname, "../..");

/** An address of this machine's own interfaces that is not loopback (IPv4). */
function ownNetworkAddress(): string {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === "IPv4");
  if (!found) throw new Error("this machine has no non-loopback IPv4 address to test with");
  return found.address;
}

/** Every URI a playlist names (segment lines and URI="…" attributes). */
function playlistUris(text: string): string[] {
  const uris: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "") continue;
    if (!line.startsWith("#")) uris.push(line);
    for (const m of line.matchAll(/URI="([^"]+)"/g)) uris.push(m[1]!);
  }
  return uris;
}

/**
 * `HOST=0.0.0.0 ./setup.sh demo`, as on a headless Pi opened from a laptop:
 * the demo prints a URL with this machine's network address, segments come
 * through the API (nothing in a playlist points at 127.0.0.1), and the page
 * opened at that address plays, every request going to that address alone.
 */
describe("the demo on the network", () => {
  let demo: ChildProcess | undefined;
  let output = "";
  let dataDir = "";
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    if (demo?.pid && demo.exitCode === null) process.kill(-demo.pid, "SIGKILL");
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("prints this machine's address, keeps every playlist URI on the API's origin, and plays there", async () => {
    const address = ownNetworkAddress();
    dataDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-demo-net-"));
    demo = spawn(path.join(root, "setup.sh"), ["demo"], {
      cwd: root,
      env: {
        ...process.env,
        HOST: "0.0.0.0",
        KIROKU_DEMO_DIR: dataDir,
        PORT: "0",
        S3_PORT: "0",
        METRICS_PORT: "0",
        LOG_FORMAT: "json",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    demo.stdout!.on("data", (c) => {
      output += c;
    });
    demo.stderr!.on("data", (c) => {
      output += c;
    });
    await waitFor(
      () => /Press Ctrl-C to stop/.test(output),
      180_000,
      () => output.slice(-3000),
      250,
    );
    const urls = [...output.matchAll(/(http:\/\/[^\s/]+)\/#token=(\S+)/g)];
    const mine = urls.find((m) => new URL(m[1]!).hostname === address);
    expect(mine, output.slice(-2000)).toBeDefined();
    const origin = mine![1]!;
    const token = mine![2]!;
    expect(output).toMatch(/SEGMENT_URLS=proxy/);
    // Quiet output: no warnings, and the SDK's Node notice is not repeated per service.
    expect(output).not.toMatch(/\bWARN\b/);
    expect(output).not.toMatch(/NodeVersionSupportWarning/);
    expect(output.match(/AWS SDK releases after/g)?.length ?? 0).toBeLessThanOrEqual(1);

    const get = (p: string) =>
      fetch(`${origin}${p}`, { headers: { Authorization: `Bearer ${token}` } });
    const live = await waitFor(
      async () => {
        const res = await get("/v1/channels/cam1/live.m3u8").catch(() => undefined);
        if (!res?.ok) return undefined;
        const text = await res.text();
        return playlistUris(text).length >= 2 ? text : undefined;
      },
      90_000,
      "a live playlist with segments",
      1_000,
    );
    const now = Math.floor(Date.now() / 1000);
    const rangeRes = await get(`/v1/channels/cam1/vod.m3u8?start=${now - 120}&end=${now}`);
    expect(rangeRes.status).toBe(200);
    const range = await rangeRes.text();
    for (const [name, text, base] of [
      ["live", live, `${origin}/v1/channels/cam1/live.m3u8`],
      ["range", range, `${origin}/v1/channels/cam1/vod.m3u8`],
    ] as const) {
      const uris = playlistUris(text);
      expect(uris.length, name).toBeGreaterThan(0);
      for (const uri of uris) {
        expect(/^[a-z]+:\/\//i.test(uri) ? new URL(uri).origin : origin, `${name}: ${uri}`).toBe(
          origin,
        );
        expect(new URL(uri, base).origin, `${name}: ${uri}`).toBe(origin);
      }
      expect(text).not.toMatch(/127\.0\.0\.1|localhost/);
    }

    // The page, opened at the network address, plays; nothing it fetches goes anywhere else.
    browser = await openBrowser({ width: 1280, height: 800 });
    const page = browser.page;
    const elsewhere: string[] = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (/^https?:$/.test(u.protocol) && u.origin !== origin) elsewhere.push(r.url());
    });
    await page.goto(`${origin}/#token=${token}`);
    await page.locator("#clock", { hasText: /^\d{2}:\d{2}:\d{2}$/ }).waitFor({ timeout: 90_000 });
    const t0 = await page.locator("#video").evaluate((v) => (v as HTMLVideoElement).currentTime);
    await waitFor(
      async () =>
        (await page.locator("#video").evaluate((v) => (v as HTMLVideoElement).currentTime)) >
        t0 + 1,
      30_000,
      "the video advancing",
      250,
    );
    await screenshot(page, "demo-network-desktop");
    expect(elsewhere).toEqual([]);

    // Ctrl-C stops it all.
    process.kill(-demo.pid!, "SIGINT");
    const code = await new Promise<number | null>((r) => demo!.once("exit", (c) => r(c)));
    expect(code).toBe(0);
  });
});
