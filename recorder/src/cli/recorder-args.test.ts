import { ConfigError, UsageError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { parseRecorderArgs, RECORDER_USAGE } from "./recorder-args";

const parse = (line: string) => parseRecorderArgs(line.split(" ").filter(Boolean));

function usageError(line: string): UsageError {
  try {
    parse(line);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`expected a usage error for "${line}"`);
}

describe("parseRecorderArgs", () => {
  it("maps each command to what to run", () => {
    expect(parse("run")).toEqual({ kind: "run" });
    expect(parse("run --config /etc/kiroku/recorder.yaml")).toEqual({
      kind: "run",
      configFile: "/etc/kiroku/recorder.yaml",
    });
    expect(parse("probe")).toEqual({ kind: "probe" });
    expect(parse("probe --device /dev/video0")).toEqual({ kind: "probe", device: "/dev/video0" });
    expect(parse("probe --url rtsp://cam/1")).toEqual({ kind: "probe", url: "rtsp://cam/1" });
    expect(
      parse(
        "capture --source test --out /tmp/cap --duration 2.5 --segment 2 --channel door --video-size 320x240 --framerate 15 --input-format mjpeg --audio-device hw:1,0 --json",
      ),
    ).toEqual({
      kind: "capture",
      outDir: "/tmp/cap",
      durationS: 2.5,
      json: true,
      env: {
        SOURCE: "test",
        CHANNEL: "door",
        TARGET_DURATION: "2",
        VIDEO_SIZE: "320x240",
        FRAMERATE: "15",
        INPUT_FORMAT: "mjpeg",
        AUDIO_DEVICE: "hw:1,0",
      },
    });
    expect(parse("capture --out d")).toEqual({
      kind: "capture",
      outDir: "d",
      json: false,
      env: {},
    });
  });

  it("answers help on every command and the version, reading nothing else", () => {
    for (const line of ["--help", "-h", "help"]) {
      expect(parse(line)).toEqual({ kind: "help", text: RECORDER_USAGE });
    }
    for (const [command, first] of [
      ["run", "Usage: pnpm recorder run"],
      ["capture", "Usage: pnpm recorder capture"],
      ["probe", "Usage: pnpm recorder probe"],
    ] as const) {
      for (const line of [`${command} --help`, `${command} -h`, `${command} --bogus --help`]) {
        const got = parse(line);
        expect(got.kind).toBe("help");
        expect(got.kind === "help" && got.text.startsWith(first)).toBe(true);
      }
    }
    // capture's required --out does not stand in the way of its help.
    expect(parse("capture --help").kind).toBe("help");
    expect(parse("--version")).toEqual({
      kind: "version",
      text: `@kiroku/recorder ${pkg.version}`,
    });
  });

  it.each([
    [
      "",
      "command",
      'missing command (run, capture or probe) for "recorder"; see pnpm recorder --help',
    ],
    ["record", "command", 'unknown command "record" for "recorder"; see pnpm recorder --help'],
    ["--bogus", "bogus", 'unknown option --bogus for "recorder"; see pnpm recorder --help'],
    [
      "run --bogus",
      "bogus",
      'unknown option --bogus for "recorder run"; see pnpm recorder run --help',
    ],
    [
      "run --config",
      "config",
      'missing the value of --config for "recorder run"; see pnpm recorder run --help',
    ],
    [
      "run extra",
      "arguments",
      'unexpected argument "extra" for "recorder run"; see pnpm recorder run --help',
    ],
    [
      "capture --out",
      "out",
      'missing the value of --out for "recorder capture"; see pnpm recorder capture --help',
    ],
    [
      "capture --json=no --out d",
      "json",
      '--json takes no value for "recorder capture"; see pnpm recorder capture --help',
    ],
    [
      "probe --device",
      "device",
      'missing the value of --device for "recorder probe"; see pnpm recorder probe --help',
    ],
    [
      "probe --config x",
      "config",
      'unknown option --config for "recorder probe"; see pnpm recorder probe --help',
    ],
  ])("`recorder %s` is a usage error naming %s", (line, field, message) => {
    const err = usageError(line);
    expect(err.field).toBe(field);
    expect(err.message).toBe(message);
  });

  it("keeps capture's value checks as a configuration error listing each problem", () => {
    try {
      parse("capture --duration abc");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        "--out is required: the folder the segments go to",
        '--duration must be a number of seconds above 0, got "abc"',
      ]);
    }
  });

  it("refuses an empty source, never recording the test pattern instead, and names the variable it came from", () => {
    const problemsOf = (argv: string[], env: Record<string, string | undefined> = {}) => {
      try {
        parseRecorderArgs(argv, env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      throw new Error(`expected a configuration error for ${argv.join(" ")}`);
    };
    expect(problemsOf(["capture", "--source", "", "--out", "d"])).toEqual([
      "--source is empty: give test, /dev/videoN, rtsp://… or rtmp://… (a shell variable that is not set expands to nothing)",
    ]);
    expect(problemsOf(["capture", "--source-var", "RTSP_URL", "--out", "d"])[0]).toMatch(
      /^RTSP_URL is not set: set it to the source, e\.g\. RTSP_URL=rtsp:\/\//,
    );
    expect(
      problemsOf(["capture", "--source-var", "RTSP_URL", "--out", "d"], { RTSP_URL: " " })[0],
    ).toMatch(/^RTSP_URL is empty/);
    expect(problemsOf(["probe", "--url", ""])[0]).toMatch(/^--url is empty/);
    const ok = parseRecorderArgs(["capture", "--source-var", "CAM", "--out", "d"], {
      CAM: "rtsp://cam/s",
    });
    expect(ok).toMatchObject({ kind: "capture", env: { SOURCE: "rtsp://cam/s" } });
  });
});
