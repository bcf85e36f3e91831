import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type ApiProcess, startApiProcess } from "../helpers/api-server";
import { CHROMIUM_ARGS } from "../helpers/player";
import { startTestS3, type TestS3 } from "../helpers/s3";
import { type DaemonProcess, startDaemon } from "./upload-harness";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Screenshots of the page land here (kept by CI as artifacts). */
export const ARTIFACTS = path.join(root, "test-artifacts");

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface WebSite {
  s3: TestS3;
  api: ApiProcess;
  recorder: DaemonProcess;
  token: string;
  /** The page's URL with the token (and `#…` extras such as `channel=cam2`). */
  pageUrl(extra?: string): string;
  /** Calls the API with the token. */
  call(method: string, pathname: string, body?: unknown): Promise<Response>;
  cleanup(): Promise<void>;
}

/**
 * What the web page needs to be tried for real: the embedded S3 server, a
 * real recorder with `channels` test-pattern channels (small and slow, so
 * four fit on a busy 2-core machine beside Chromium) polling its settings
 * every 2 s, and the API process serving the built page.
 */
export async function startWebSite(opts: {
  channels: number;
  env?: Record<string, string>;
}): Promise<WebSite> {
  const token = "web-page-token-0123456789";
  const s3 = await startTestS3({ bucket: "kiroku-web" });
  const spool = await mkdtemp(path.join(os.tmpdir(), "kiroku-web-spool-"));
  const config = path.join(spool, "recorder.json");
  await writeFile(
    config,
    JSON.stringify({
      channels: Array.from({ length: opts.channels }, (_, i) => ({
        name: `cam${i + 1}`,
        source: "test",
        videoSize: "320x180",
        framerate: 10,
        testAudio: false,
      })),
    }),
  );
  // The API first: its start is timed (30 s), and four encoders starting
  // beside it on a busy machine would eat into that.
  const api = await startApiProcess({
    ...s3.env,
    TARGET_DURATION: "2",
    API_TOKEN: token,
    SIGNING_SECRET: "web-page-signing-secret-0123456789abcdef",
    SEGMENT_URLS: "presigned",
    ...opts.env,
  });
  const recorder = startDaemon(
    { ...s3.env, SPOOL_DIR: path.join(spool, "spool"), SETTINGS_INTERVAL: "2", LOG_LEVEL: "info" },
    { args: ["--config", config] },
  );
  return {
    s3,
    api,
    recorder,
    token,
    pageUrl: (extra) => `${api.url}/#token=${token}${extra ? `&${extra}` : ""}`,
    call: (method, pathname, body) =>
      fetch(`${api.url}${pathname}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    cleanup: async () => {
      await api.stop().catch(() => undefined);
      await recorder.stop().catch(() => undefined);
      await s3.cleanup();
      await rm(spool, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Debian's Chromium in a fresh profile at `viewport` (a phone: touch and a mobile viewport), in the machine's time zone or `timezoneId`. */
export async function openBrowser(
  viewport: { width: number; height: number },
  opts: { timezoneId?: string } = {},
): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "kiroku-web-chromium-"));
  const phone = viewport.width < 600;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {}),
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot as test-artifacts/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** `currentTime` of each <video> matching `selector`. */
export function videoTimes(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (els) => els.map((v) => (v as HTMLVideoElement).currentTime));
}
