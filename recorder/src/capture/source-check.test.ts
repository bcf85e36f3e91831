import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { SourceConfig } from "../source";
import { checkSource, rtspAddress, SOURCE_WAIT_BACKOFF } from "./source-check";

const v4l2: SourceConfig = {
  kind: "v4l2",
  device: "/dev/video9",
  encoder: "auto",
  videoBitrate: 1,
};
const rtsp = (url: string): SourceConfig => ({
  kind: "rtsp",
  url,
  transport: "tcp",
  timeoutSeconds: 5,
});

describe("checkSource", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it("waits for a V4L2 device that does not exist, saying which and what to do", async () => {
    const absent = await checkSource(v4l2, { exists: () => false });
    expect(absent).toEqual({
      ok: false,
      state: "waiting for device",
      reason: expect.stringMatching(/^device \/dev\/video9 does not exist: plug the camera in/),
    });
    expect(await checkSource(v4l2, { exists: (p) => p === "/dev/video9" })).toEqual({ ok: true });
  });

  it("finds an RTSP camera that refuses connections unavailable, without quoting its credentials", async () => {
    const port = await closedPort();
    const result = await checkSource(rtsp(`rtsp://admin:hunter2@127.0.0.1:${port}/cam`));
    expect(result).toMatchObject({ ok: false, state: "source unavailable" });
    const reason = (result as { reason: string }).reason;
    expect(reason).toContain(`127.0.0.1:${port}`);
    expect(reason).toContain("ECONNREFUSED");
    expect(reason).not.toContain("hunter2");
  });

  it("takes an RTSP camera that accepts a connection as there (ffmpeg judges the rest)", async () => {
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(await checkSource(rtsp(`rtsp://127.0.0.1:${port}/cam`))).toEqual({ ok: true });
  });

  it("never holds back the test pattern or an RTMP listener", async () => {
    const never = () => {
      throw new Error("not asked");
    };
    const test: SourceConfig = {
      kind: "test",
      size: { width: 320, height: 240 },
      framerate: 15,
      audio: false,
      encoder: "libx264",
      videoBitrate: 1,
    };
    const rtmp: SourceConfig = {
      kind: "rtmp",
      url: "rtmp://0.0.0.0:1935/live/k",
      host: "0.0.0.0",
      port: 1935,
      app: "live",
      streamKey: "k",
    };
    expect(await checkSource(test, { exists: never, tcpProbe: never })).toEqual({ ok: true });
    expect(await checkSource(rtmp, { exists: never, tcpProbe: never })).toEqual({ ok: true });
  });

  it("checks an absent source again within 2.4 s at most (backoff cap with jitter)", () => {
    expect(SOURCE_WAIT_BACKOFF.maxMs * (1 + SOURCE_WAIT_BACKOFF.jitter)).toBeLessThanOrEqual(2_400);
  });
});

describe("rtspAddress", () => {
  it("uses the URL's port, else 554 (rtsps: 322), and drops credentials", () => {
    expect(rtspAddress("rtsp://u:p@10.0.0.5/stream")).toEqual({
      host: "10.0.0.5",
      port: 554,
      origin: "rtsp://10.0.0.5:554",
    });
    expect(rtspAddress("rtsps://cam.local/x")).toMatchObject({ port: 322 });
    expect(rtspAddress("rtsp://[::1]:8554/x")).toMatchObject({ host: "::1", port: 8554 });
    expect(rtspAddress("rtsp:///x")).toBeUndefined();
  });
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
