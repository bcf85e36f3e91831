import {
  type CliCommandSpec,
  type CliOption,
  ConfigError,
  parseCommandArgs,
  UsageError,
  wantsHelp,
} from "@kiroku/shared";
import pkg from "../../package.json" with { type: "json" };

/**
 * `pnpm recorder …` as data: argv in, the command to run (or the help or
 * version text to print) out, nothing read from the disk or S3 (and from the
 * environment only the variable `--source-var` names, passed in). A mistake in the arguments is a UsageError (exit 2) naming it; `capture`
 * option values that are present but wrong stay a ConfigError, as before.
 */

/** What `pnpm recorder --version` prints. */
export const RECORDER_CLI_VERSION = `${pkg.name} ${pkg.version}`;

export const RECORDER_USAGE = `Usage: pnpm recorder <command> [options]

Commands:
  run       the daemon: record every channel into the spool and upload it to S3
  capture   record one source into a local folder, no cloud (try a camera)
  probe     list V4L2 cameras and their formats, or check an RTSP URL

Options:
  -h, --help   this text; \`pnpm recorder <command> --help\` for a command's
  --version    print the recorder's version

Configuration comes from the environment (S3_BUCKETNAME, SOURCE, SPOOL_DIR, …):
see the README's "Recorder" and "Configuration" sections.`;

const RUN_USAGE = `Usage: pnpm recorder run [--config FILE]

Runs the recorder daemon until SIGINT/SIGTERM: captures every channel into
the spool (SPOOL_DIR) and uploads each segment to S3.

Options:
  --config FILE   channels from a YAML or JSON file instead of CHANNEL/SOURCE
  -h, --help      this text

Environment: S3_BUCKETNAME (required), S3_ENDPOINT, S3_MOVIE_KEY, TARGET_DURATION,
CHANNEL, SOURCE, SPOOL_DIR, SPOOL_MAX_BYTES, METRICS_PORT, … (README, "Configuration").`;

const CAPTURE_USAGE = `Usage: pnpm recorder capture --source SOURCE --out DIR [options]

Records one source into DIR with no cloud at all; stops after --duration or on
Ctrl-C and prints what it captured. Exits 0 when at least one segment was made.

Options:
  --source SOURCE       test | /dev/videoN | rtsp://… | rtmp://ADDRESS:PORT/APP/KEY (else SOURCE)
  --source-var NAME     read the source from the environment variable NAME
                        (pnpm capture:rtsp reads RTSP_URL this way)
  --out DIR             the folder the segments go to (required)
  --duration SECONDS    record this many seconds of video, to within one
                        segment (default: until Ctrl-C)
  --segment SECONDS     segment length (else TARGET_DURATION)
  --channel NAME        channel name in the segment names (else CHANNEL)
  --video-size WxH      test and V4L2 sources
  --framerate F         test and V4L2 sources
  --input-format F      V4L2: mjpeg | yuyv422 | h264
  --audio-device D      V4L2: ALSA microphone, e.g. hw:1,0
  --json                print the summary as JSON
  -h, --help            this text`;

const PROBE_USAGE = `Usage: pnpm recorder probe [--device /dev/videoN | --url rtsp://user:pass@host/path]

Without options, lists every V4L2 camera with its formats, sizes and rates.
Exits 0 when every target answered.

Options:
  --device PATH   probe one V4L2 device
  --url URL       check an RTSP URL: reachable, codecs, password
  -h, --help      this text`;

/** The arguments of `pnpm recorder capture`, checked. */
export interface CaptureArgs {
  outDir: string;
  durationS?: number;
  /** Environment variables the flags stand for (SOURCE, CHANNEL, …), laid over the real environment. */
  env: Record<string, string>;
  json: boolean;
}

/** What the recorder CLI was asked to do. */
export type RecorderCommand =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "run"; configFile?: string }
  | ({ kind: "capture" } & CaptureArgs)
  | { kind: "probe"; device?: string; url?: string };

const HELP: CliOption = { type: "boolean", short: "h" };
const str: CliOption = { type: "string" };

const SPECS = {
  run: { command: "recorder run", options: { help: HELP, config: str } },
  capture: {
    command: "recorder capture",
    options: {
      help: HELP,
      source: str,
      "source-var": str,
      out: str,
      duration: str,
      segment: str,
      channel: str,
      "video-size": str,
      framerate: str,
      "input-format": str,
      "audio-device": str,
      json: { type: "boolean" },
    },
  },
  probe: { command: "recorder probe", options: { help: HELP, device: str, url: str } },
} satisfies Record<string, CliCommandSpec>;

const USAGES: Record<keyof typeof SPECS, string> = {
  run: RUN_USAGE,
  capture: CAPTURE_USAGE,
  probe: PROBE_USAGE,
};

/** Capture flags that stand for an environment variable of the channel. */
const CAPTURE_ENV: Record<string, string> = {
  source: "SOURCE",
  channel: "CHANNEL",
  segment: "TARGET_DURATION",
  "video-size": "VIDEO_SIZE",
  framerate: "FRAMERATE",
  "input-format": "INPUT_FORMAT",
  "audio-device": "AUDIO_DEVICE",
};

/**
 * Parses `pnpm recorder …` (argv after the script). Throws a UsageError for
 * a missing or unknown command, an unknown option or a missing value, and a
 * ConfigError for capture values that are wrong (`--duration abc`).
 */
export function parseRecorderArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): RecorderCommand {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError("recorder", "command", "missing command (run, capture or probe)");
  }
  if (first === "help" || wantsHelp([first])) return { kind: "help", text: RECORDER_USAGE };
  if (first === "--version") return { kind: "version", text: RECORDER_CLI_VERSION };
  if (first.startsWith("-")) {
    const name = first.replace(/^-+/, "").replace(/=.*$/, "");
    throw new UsageError("recorder", name, `unknown option ${first.replace(/=.*$/, "")}`);
  }
  if (!Object.hasOwn(SPECS, first)) {
    throw new UsageError("recorder", "command", `unknown command "${first}"`);
  }
  const name = first as keyof typeof SPECS;
  const parsed = parseCommandArgs(SPECS[name], rest);
  if (parsed.help) return { kind: "help", text: USAGES[name] };
  const v = parsed.values as Record<string, string | undefined>;
  switch (name) {
    case "run":
      return { kind: "run", ...(v.config !== undefined ? { configFile: v.config } : {}) };
    case "probe":
      for (const flag of ["device", "url"] as const) {
        if (v[flag] !== undefined && v[flag].trim() === "")
          throw new ConfigError(
            [
              `--${flag} is empty: give ${flag === "url" ? "an rtsp://… URL" : "a device such as /dev/video0"}, or leave --${flag} out to list every camera (a shell variable that is not set expands to nothing)`,
            ],
            "probe options",
          );
      }
      return {
        kind: "probe",
        ...(v.device !== undefined ? { device: v.device } : {}),
        ...(v.url !== undefined ? { url: v.url } : {}),
      };
    case "capture":
      return { kind: "capture", ...captureArgs(v, parsed.values.json === true, env) };
  }
}

function captureArgs(
  v: Record<string, string | undefined>,
  json: boolean,
  environment: Record<string, string | undefined>,
): CaptureArgs {
  const problems: string[] = [];
  if (!v.out) problems.push("--out is required: the folder the segments go to");
  // An empty source is refused, never taken as "no source given" (which would
  // quietly record the test pattern): `--source "$CAMERA"` with CAMERA unset.
  if (v.source !== undefined && v["source-var"] !== undefined) {
    problems.push("--source and --source-var are both given: use one");
  } else if (v.source !== undefined && v.source.trim() === "") {
    problems.push(
      "--source is empty: give test, /dev/videoN, rtsp://… or rtmp://… (a shell variable that is not set expands to nothing)",
    );
  } else if (v["source-var"] !== undefined) {
    const name = v["source-var"];
    const value = environment[name]?.trim() ?? "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`--source-var must name an environment variable, got "${name}"`);
    } else if (value === "") {
      problems.push(
        `${name} is ${environment[name] === undefined ? "not set" : "empty"}: set it to the source, e.g. ${name}=${name.startsWith("RTSP") ? "rtsp://user:pass@192.0.2.10:554/stream1" : "/dev/video0"}`,
      );
    } else {
      v.source = value;
    }
  }
  let durationS: number | undefined;
  if (v.duration !== undefined) {
    durationS = Number(v.duration);
    if (!/^\d+(\.\d+)?$/.test(v.duration) || !(durationS > 0))
      problems.push(`--duration must be a number of seconds above 0, got "${v.duration}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems, "capture options");
  const env: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(CAPTURE_ENV)) {
    if (v[flag]) env[variable] = v[flag];
  }
  return { outDir: v.out!, ...(durationS !== undefined ? { durationS } : {}), env, json };
}
