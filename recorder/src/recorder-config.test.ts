import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { parseDaemonConfig } from "./daemon";
import { parseRecorderConfig } from "./recorder-config";

const exists = (p: string) => p === "/dev/video0";
function problems(
  env: Record<string, string>,
  configFile?: string,
  requireDevices = true,
): string[] {
  try {
    parseRecorderConfig(env, { exists, requireDevices, ...(configFile ? { configFile } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("parseRecorderConfig from the environment", () => {
  it("records the test pattern into cam1 with documented defaults", () => {
    const c = parseRecorderConfig({}, { exists });
    expect(c.channels).toEqual([
      {
        name: "cam1",
        sourceLabel: "test",
        source: {
          kind: "test",
          size: { width: 640, height: 360 },
          framerate: 25,
          audio: true,
          encoder: "auto",
          videoBitrate: 600_000,
        },
      },
    ]);
    expect(c).toMatchObject({
      spoolDir: "/var/lib/kiroku/spool",
      targetDuration: 30,
      metricsPort: 9464,
    });
  });

  it("reads a V4L2 camera with its format, size, rate and microphone", () => {
    const c = parseRecorderConfig(
      {
        CHANNEL: "desk",
        SOURCE: "/dev/video0",
        INPUT_FORMAT: "yuyv",
        VIDEO_SIZE: "1280x720",
        FRAMERATE: "30",
        AUDIO_DEVICE: "hw:1,0",
        VIDEO_BITRATE: "1.5M",
        TARGET_DURATION: "2",
      },
      { exists },
    );
    expect(c.targetDuration).toBe(2);
    expect(c.channels[0]!.source).toEqual({
      kind: "v4l2",
      device: "/dev/video0",
      inputFormat: "yuyv422",
      size: { width: 1280, height: 720 },
      framerate: 30,
      audioDevice: "hw:1,0",
      encoder: "auto",
      videoBitrate: 1_500_000,
    });
  });

  it("keeps RTSP credentials out of the label and defaults to TCP with a 5 s timeout", () => {
    const c = parseRecorderConfig(
      { SOURCE: "rtsp://admin:s3cret@192.168.1.20:554/stream1" },
      { exists },
    );
    expect(c.channels[0]!.sourceLabel).toBe("rtsp://***@192.168.1.20:554/stream1");
    expect(c.channels[0]!.source).toMatchObject({
      kind: "rtsp",
      transport: "tcp",
      timeoutSeconds: 5,
    });
  });

  it("reads an RTMP listen address, app and stream key", () => {
    const c = parseRecorderConfig({ SOURCE: "rtmp://0.0.0.0:1936/live/abc123" }, { exists });
    expect(c.channels[0]!.source).toEqual({
      kind: "rtmp",
      url: "rtmp://0.0.0.0:1936/live/abc123",
      host: "0.0.0.0",
      port: 1936,
      app: "live",
      streamKey: "abc123",
    });
    expect(c.channels[0]!.sourceLabel).not.toContain("abc123");
  });

  it("accepts a device that is not plugged in yet unless devices are required (the channel waits for it)", () => {
    const c = parseRecorderConfig({ SOURCE: "/dev/video7" }, { exists });
    expect(c.channels[0]!.source).toMatchObject({ kind: "v4l2", device: "/dev/video7" });
    // …while what can never work still refuses to start.
    expect(() =>
      parseRecorderConfig({ SOURCE: "/dev/video7", INPUT_FORMAT: "xyz" }, { exists }),
    ).toThrow(/INPUT_FORMAT must be one of/);
  });

  it("fails fast on a missing device when devices are required (recorder capture), naming SOURCE and the fix", () => {
    const p = problems({ SOURCE: "/dev/video7" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^SOURCE: device \/dev\/video7 does not exist/);
    expect(p[0]).toMatch(/probe/);
  });

  it("refuses SOURCE set but empty (an unset shell variable) instead of recording the test pattern", () => {
    expect(problems({ SOURCE: "" })).toEqual([
      "SOURCE is set but empty: give test, /dev/videoN, rtsp://… or rtmp://… (unset SOURCE for the test pattern)",
    ]);
    expect(problems({ SOURCE: "  " })[0]).toMatch(/^SOURCE is set but empty/);
  });

  it("fails on an unknown source type, naming SOURCE and what is accepted", () => {
    expect(problems({ SOURCE: "http://cam/stream.mjpg" })[0]).toMatch(
      /^SOURCE must be test, a V4L2 device/,
    );
  });

  it("fails on malformed URLs without echoing the password", () => {
    const rtsp = problems({ SOURCE: "rtsp://admin:pw@/" })[0]!;
    expect(rtsp).toMatch(/^SOURCE is not a valid RTSP URL/);
    expect(rtsp).not.toContain(":pw@");
    expect(problems({ SOURCE: "rtmp://0.0.0.0:1935/live" })[0]).toMatch(
      /^SOURCE must be rtmp:\/\/ADDRESS:PORT\/APP\/KEY/,
    );
  });

  it("fails on impossible sizes and reports every problem at once", () => {
    const p = problems({
      CHANNEL: "Bad Name",
      VIDEO_SIZE: "99999x10",
      FRAMERATE: "0",
      TARGET_DURATION: "0",
    });
    expect(p.some((m) => m.startsWith("CHANNEL must be"))).toBe(true);
    expect(p.some((m) => m.startsWith("VIDEO_SIZE must be WIDTHxHEIGHT"))).toBe(true);
    expect(p.some((m) => m.startsWith("FRAMERATE must be"))).toBe(true);
    expect(p.some((m) => m.startsWith("TARGET_DURATION must be an integer from 1 to 100"))).toBe(
      true,
    );
    expect(problems({ VIDEO_SIZE: "641x360" })[0]).toMatch(/even width and height/);
  });

  it("refuses options that do not apply to the source", () => {
    expect(problems({ SOURCE: "rtsp://cam/s", INPUT_FORMAT: "mjpeg" })[0]).toMatch(
      /^INPUT_FORMAT does not apply to rtsp sources/,
    );
  });
});

describe("parseRecorderConfig from a config file", () => {
  async function file(text: string, ext = "yaml"): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-cfg-"));
    const f = path.join(dir, `recorder.${ext}`);
    await writeFile(f, text);
    return f;
  }

  it("reads several channels from YAML", async () => {
    const f = await file(`targetDuration: 10
channels:
  - name: door
    source: rtsp://u:p@10.0.0.2/s
    rtspTransport: udp
  - name: desk
    source: /dev/video0
    inputFormat: mjpeg
    videoSize: 1280x720
  - name: demo
    source: test
`);
    const c = parseRecorderConfig({ SPOOL_DIR: "/tmp/spool" }, { exists, configFile: f });
    expect(c.targetDuration).toBe(10);
    expect(c.spoolDir).toBe("/tmp/spool");
    expect(c.channels.map((ch) => [ch.name, ch.source.kind])).toEqual([
      ["door", "rtsp"],
      ["desk", "v4l2"],
      ["demo", "test"],
    ]);
    expect(c.channels[0]!.source).toMatchObject({ transport: "udp" });
  });

  it("reads JSON and names each bad field by its path in the file", async () => {
    const f = await file(
      JSON.stringify({
        channels: [
          { name: "a", source: "/dev/video9" },
          { name: "a", source: "test", videoSize: "big", colour: "red" },
          { source: "ftp://x" },
        ],
      }),
      "json",
    );
    const p = problems({}, f);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^channels\[0\]\.source: device \/dev\/video9 does not exist/),
        expect.stringMatching(/^channels\[1\]: unknown key "colour"/),
        expect.stringMatching(/^channels\[1\]\.videoSize must be WIDTHxHEIGHT/),
        expect.stringMatching(/^channels\[2\]\.name is required/),
        expect.stringMatching(/^channels\[2\]\.source must be test/),
      ]),
    );
  });

  it("refuses two channels with the same name or RTMP port", async () => {
    const f = await file(`channels:
  - {name: a, source: "rtmp://0.0.0.0:1935/live/k1"}
  - {name: a, source: "rtmp://0.0.0.0:1935/live/k2"}
`);
    const p = problems({}, f);
    expect(p).toEqual([
      expect.stringMatching(/channels\[1\] uses the same name as channels\[0\]/),
      expect.stringMatching(/channels\[1\] uses the same RTMP listen port as channels\[0\]/),
    ]);
  });

  it("names an unreadable file", () => {
    expect(problems({}, "/nonexistent/recorder.yaml")[0]).toMatch(
      /--config \/nonexistent\/recorder.yaml cannot be read \(ENOENT\)/,
    );
  });
});

describe("parseDaemonConfig", () => {
  function daemonProblems(env: Record<string, string>, configFile?: string): string[] {
    try {
      parseDaemonConfig(env, configFile);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return [...(err as ConfigError).problems];
    }
    throw new Error("expected a ConfigError");
  }

  it("starts with a channel whose device is absent, but names the channel and field of what can never work", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-cfg-"));
    const f = path.join(dir, "recorder.yaml");
    await writeFile(
      f,
      "channels:\n  - {name: demo, source: test}\n  - {name: usb, source: /dev/video9}\n",
    );
    const env = { S3_BUCKETNAME: "kiroku-test" };
    expect(parseDaemonConfig(env, f).recorder.channels.map((c) => c.name)).toEqual(["demo", "usb"]);
    await writeFile(
      f,
      "channels:\n  - {name: demo, source: test}\n  - {name: ipcam, source: 'rtsp://admin:pw@/'}\n  - {name: usb, source: /dev/video9, inputFormat: xyz}\n",
    );
    const p = daemonProblems(env, f);
    expect(p).toEqual([
      expect.stringMatching(/^channels\[1\]\.source is not a valid RTSP URL/),
      expect.stringMatching(/^channels\[2\]\.inputFormat must be one of/),
    ]);
    expect(p.join("\n")).not.toContain("pw");
  });

  it("reports a bad TARGET_DURATION once, with the other problems", () => {
    const p = daemonProblems({
      S3_BUCKETNAME: "kiroku-test",
      TARGET_DURATION: "0",
      FRAMERATE: "0",
    });
    expect(
      p.filter((m) => m.startsWith("TARGET_DURATION must be an integer from 1 to 100")),
    ).toHaveLength(1);
    expect(p.some((m) => m.startsWith("FRAMERATE must be"))).toBe(true);
  });

  it("takes TARGET_DURATION from the environment, and a config file's targetDuration over it", async () => {
    const env = { S3_BUCKETNAME: "kiroku-test", TARGET_DURATION: "4" };
    expect(parseDaemonConfig(env).recorder.targetDuration).toBe(4);
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-cfg-"));
    const f = path.join(dir, "recorder.yaml");
    await writeFile(f, "targetDuration: 10\nchannels:\n  - {name: demo, source: test}\n");
    expect(parseDaemonConfig(env, f).recorder.targetDuration).toBe(10);
  });
});
