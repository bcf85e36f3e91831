import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { decodes, waitFor } from "../helpers/ffmpeg-tools";
import { CHROMIUM_ARGS } from "../helpers/player";

const root = path.resolve(import.meta.dirname, "../..");
const artifacts = path.join(root, "test-artifacts");

/**
 * The README's first command as a new user meets it: `./setup.sh demo` brings
 * up the embedded S3 server, a test-pattern recorder and the API; a browser
 * opens the printed URL, sees the channel Live, clicks the timeline and plays
 * with the wall-clock time advancing. Ctrl-C then stops everything.
 */
describe("the demo", () => {
  let demo: ChildProcess | undefined;
  let output = "";
  let dataDir = "";
  let context: BrowserContext | undefined;
  let profile = "";

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (demo?.pid && demo.exitCode === null) process.kill(-demo.pid, "SIGKILL");
    if (profile) await rm(profile, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("starts with one command, plays in a browser from the timeline, and stops cleanly on Ctrl-C", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "kiroku-demo-"));
    demo = spawn(path.join(root, "setup.sh"), ["demo"], {
      cwd: root,
      // Any free ports: the suite may run beside a developer's own demo.
      env: {
        ...process.env,
        KIROKU_DEMO_DIR: dataDir,
        PORT: "0",
        S3_PORT: "0",
        METRICS_PORT: "0",
        LOG_FORMAT: "json",
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, like a command typed in a terminal.
      detached: true,
    });
    demo.stdout!.on("data", (chunk) => {
      output += chunk;
    });
    demo.stderr!.on("data", (chunk) => {
      output += chunk;
    });
    const web = await waitFor(
      () => /web page\s+(http:\/\/\S+)/.exec(output)?.[1],
      120_000,
      () => output.slice(-3000),
      250,
    );
    const services = childPids(demo.pid!);
    expect(services.length).toBeGreaterThanOrEqual(3);

    profile = await mkdtemp(path.join(os.tmpdir(), "kiroku-demo-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(web);
    // The channel turns Live once the recorder's heartbeat and first segments are in the bucket.
    await page.locator('.channel[data-channel="cam1"] .dot.live').waitFor({ timeout: 60_000 });
    // A few seconds of recording are narrower than a pixel in the day view: attached, not yet visible.
    await page.locator(".timeline .span").first().waitFor({ state: "attached", timeout: 30_000 });

    // Live plays first: the clock shows the wall-clock time of the frame on screen.
    await page.locator("#clock", { hasText: /^\d{2}:\d{2}:\d{2}$/ }).waitFor({ timeout: 30_000 });
    // Zoom in to two minutes around the playhead (live, near now), then click inside the newest recording.
    for (let i = 0; i < 8; i++) await page.click("#zoom-in");
    // The timeline redraws as segments arrive, so the span is found anew at
    // the click (locator.click retries when an element is replaced under it).
    await page.locator(".timeline .span").last().click({ timeout: 15_000 });
    await page.locator("#mode", { hasText: "Playback from" }).waitFor({ timeout: 10_000 });

    const clock = async () => {
      const text = await page.locator("#clock").textContent();
      return /^\d{2}:\d{2}:\d{2}$/.test(text ?? "") ? text! : undefined;
    };
    const first = await waitFor(clock, 30_000, "the clock to show a time", 250);
    const later = await waitFor(
      async () => {
        const now = await clock();
        return now && now > first ? now : undefined;
      },
      30_000,
      () => `the clock to move on from ${first}`,
      250,
    );
    expect(later > first).toBe(true);

    // Drag across the newest recording and download it: the browser's own
    // download (a signed clip URL), an MPEG-TS file ffmpeg decodes.
    const box = await waitFor(
      async () => (await page.locator(".timeline .span").last().boundingBox()) ?? undefined,
      10_000,
      "a box of the newest span",
      250,
    );
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.9, y, { steps: 5 });
    await page.mouse.up();
    await page.locator("#range-actions").waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 30_000 }),
      page.click("#clip-button"),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^cam1_\d{8}T\d{6}(\.\d{3})?Z-\d{8}T\d{6}(\.\d{3})?Z\.ts$/,
    );
    const clip = path.join(dataDir, download.suggestedFilename());
    await download.saveAs(clip);
    expect((await readFile(clip))[0]).toBe(0x47); // MPEG-TS sync byte
    expect((await decodes(clip)).errors).toBe("");

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "demo.png"), fullPage: true });

    // Ctrl-C: the launcher stops every service in order and exits 0, leaving nothing running.
    const exited = new Promise<number | null>((resolve) =>
      demo!.once("exit", (code) => resolve(code)),
    );
    // Ctrl-C in a terminal: SIGINT to the foreground process group.
    process.kill(-demo.pid!, "SIGINT");
    expect(await exited).toBe(0);
    expect(services.filter(isAlive)).toEqual([]);
    expect(output).toMatch(/\[demo\] stopped/);
  }, 300_000);
});

/** The demo's services: node processes whose command runs a built CLI. */
function childPids(pid: number): number[] {
  return descendants(pid).filter((p) => {
    try {
      const cmd = execFileSync("ps", ["-o", "args=", "-p", String(p)], { encoding: "utf8" });
      return /dist\/(cli|s3-server-cli)\.js/.test(cmd);
    } catch {
      return false;
    }
  });
}

function descendants(pid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
