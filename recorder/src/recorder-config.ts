import { existsSync, readFileSync } from "node:fs";
import {
  ConfigError,
  DEFAULTS,
  type Env,
  EnvReader,
  isChannelName,
  quote,
  redactUrl,
} from "@kiroku/shared";
import { parse as parseYaml } from "yaml";
import {
  type SourceConfig,
  V4L2_INPUT_FORMATS,
  type V4l2InputFormat,
  VIDEO_ENCODERS,
  type VideoEncoderChoice,
  type VideoSize,
} from "./source";

/**
 * Capture settings of the recorder daemon.
 *
 * One channel comes from the environment (the architecture contract):
 *
 *   CHANNEL          channel name (default cam1)
 *   SOURCE           test | /dev/videoN | rtsp://[user:pass@]host[:port]/path | rtmp://ADDRESS:PORT/APP/KEY (listen)
 *   SPOOL_DIR        local durable queue (default /var/lib/kiroku/spool)
 *   TARGET_DURATION  segment length in seconds, 1-100 (default 30)
 *   METRICS_PORT     /metrics and /healthz port, 0 disables (default 9464)
 *   VIDEO_SIZE       WIDTHxHEIGHT for test and V4L2 sources (test default 640x360; V4L2: driver default)
 *   FRAMERATE        frames per second for test and V4L2 sources (test default 25)
 *   INPUT_FORMAT     V4L2 pixel format: mjpeg | yuyv422 (alias yuyv) | h264 (copied, not re-encoded)
 *   AUDIO_DEVICE     V4L2 only: ALSA microphone, e.g. hw:1,0
 *   VIDEO_ENCODER    auto | h264_v4l2m2m | libx264 (default auto: the Pi's hardware encoder when present)
 *   VIDEO_BITRATE    encoder bitrate, e.g. 2M or 800k (default 2M for V4L2, 600k for test)
 *   TEST_AUDIO       test source only: add a tone (default true)
 *   RTSP_TRANSPORT   tcp | udp (default tcp)
 *   SOURCE_TIMEOUT   RTSP socket timeout in seconds, 1-60 (default 5)
 *
 * Several channels come from a YAML or JSON file (`pnpm recorder run --config FILE`):
 *
 *   spoolDir: /var/lib/kiroku/spool     # optional, else SPOOL_DIR
 *   targetDuration: 30                  # optional, else TARGET_DURATION
 *   metricsPort: 9464                   # optional, else METRICS_PORT
 *   channels:
 *     - name: door
 *       source: rtsp://admin:secret@192.168.1.20:554/stream1
 *     - name: desk
 *       source: /dev/video0
 *       inputFormat: mjpeg
 *       videoSize: 1280x720
 *       framerate: 30
 *       audioDevice: hw:1,0
 *
 * Channel keys in the file are the camelCase forms of the variables above.
 * Every problem is reported at once, naming the variable (or `channels[i].field`)
 * and the fix. Only what can never work is a problem here (a malformed URL, a
 * bad option): a V4L2 device that is not plugged in yet may appear later, so
 * the daemon starts and that channel waits for it (capture/source-check.ts)
 * while the others record. `recorder capture`, a one-off try of a camera,
 * asks for `requireDevices` and fails at once instead.
 */
export interface RecorderConfig {
  channels: ChannelConfig[];
  spoolDir: string;
  metricsPort: number;
  /** TARGET_DURATION in seconds. */
  targetDuration: number;
  /** The config file the channels came from, if any. */
  configFile?: string;
}

export interface ChannelConfig {
  name: string;
  source: SourceConfig;
  /** The source as it may be shown in logs and status: credentials and stream keys masked. */
  sourceLabel: string;
}

export interface RecorderConfigOptions {
  /** A YAML/JSON file with several channels (replaces CHANNEL/SOURCE and friends). */
  configFile?: string;
  /** Injectable for tests: does a device path exist? */
  exists?: (path: string) => boolean;
  /**
   * Refuse a V4L2 device that does not exist now (`recorder capture`). The
   * daemon leaves it unset: an absent camera is that channel's trouble alone.
   */
  requireDevices?: boolean;
  /**
   * TARGET_DURATION as the caller has already read it into the same reader
   * (the daemon, with the shared settings): not read, nor reported, twice.
   */
  targetDuration?: number;
}

/** Per-channel settings: environment name → config file key. */
const CHANNEL_FIELDS = {
  CHANNEL: "name",
  SOURCE: "source",
  VIDEO_SIZE: "videoSize",
  FRAMERATE: "framerate",
  INPUT_FORMAT: "inputFormat",
  AUDIO_DEVICE: "audioDevice",
  VIDEO_ENCODER: "videoEncoder",
  VIDEO_BITRATE: "videoBitrate",
  TEST_AUDIO: "testAudio",
  RTSP_TRANSPORT: "rtspTransport",
  SOURCE_TIMEOUT: "sourceTimeout",
} as const;
type ChannelField = keyof typeof CHANNEL_FIELDS;

const FILE_TOP_KEYS = ["spoolDir", "targetDuration", "metricsPort", "channels"];

/** Parses the recorder's capture settings, throwing one ConfigError that lists every problem. */
export function parseRecorderConfig(env: Env, opts: RecorderConfigOptions = {}): RecorderConfig {
  const reader = new EnvReader(env);
  const config = readRecorderConfig(reader, opts);
  if (reader.problems.length > 0) {
    throw new ConfigError(
      reader.problems,
      opts.configFile ? `recorder configuration (${opts.configFile})` : "recorder configuration",
    );
  }
  return config;
}

/** Reads the capture settings into `reader` (problems are collected there, not thrown). */
export function readRecorderConfig(
  reader: EnvReader,
  opts: RecorderConfigOptions = {},
): RecorderConfig {
  // Undefined: device presence is not configuration (the channel waits for its device).
  const exists = opts.requireDevices ? (opts.exists ?? existsSync) : undefined;
  let spoolDir = reader.string("SPOOL_DIR", DEFAULTS.SPOOL_DIR);
  let targetDuration =
    opts.targetDuration ?? reader.int("TARGET_DURATION", DEFAULTS.TARGET_DURATION, 1, 100);
  let metricsPort = reader.int("METRICS_PORT", DEFAULTS.METRICS_PORT, 0, 65535);

  if (!opts.configFile) {
    const fields = envFields(reader);
    const channel = readChannel(fields, exists);
    return {
      channels: channel ? [channel] : [],
      spoolDir,
      metricsPort,
      targetDuration,
    };
  }

  const file = opts.configFile;
  const doc = readConfigFile(file, reader);
  if (doc === undefined) return { channels: [], spoolDir, metricsPort, targetDuration };
  for (const key of Object.keys(doc)) {
    if (!FILE_TOP_KEYS.includes(key)) {
      reader.problem(`unknown key ${quote(key)} in ${file}: expected ${FILE_TOP_KEYS.join(", ")}`);
    }
  }
  if (doc.spoolDir !== undefined) {
    if (typeof doc.spoolDir === "string" && doc.spoolDir.trim() !== "") spoolDir = doc.spoolDir;
    else reader.problem(`spoolDir must be a folder path, got ${JSON.stringify(doc.spoolDir)}`);
  }
  if (doc.targetDuration !== undefined) {
    const v = doc.targetDuration;
    if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 100) targetDuration = v;
    else
      reader.problem(`targetDuration must be an integer from 1 to 100, got ${JSON.stringify(v)}`);
  }
  if (doc.metricsPort !== undefined) {
    const v = doc.metricsPort;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535) metricsPort = v;
    else reader.problem(`metricsPort must be an integer from 0 to 65535, got ${JSON.stringify(v)}`);
  }
  const channels: ChannelConfig[] = [];
  if (!Array.isArray(doc.channels) || doc.channels.length === 0) {
    reader.problem(
      `channels must be a list with at least one channel in ${file}, e.g. channels: [{name: cam1, source: test}]`,
    );
  } else {
    doc.channels.forEach((entry: unknown, i: number) => {
      const prefix = `channels[${i}]`;
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        reader.problem(`${prefix} must be an object with at least name and source`);
        return;
      }
      const fields = fileFields(entry as Record<string, unknown>, prefix, reader);
      const channel = readChannel(fields, exists);
      if (channel) channels.push(channel);
    });
  }
  checkConflicts(channels, reader);
  return { channels, spoolDir, metricsPort, targetDuration, configFile: file };
}

interface FieldReader {
  get(field: ChannelField): string | undefined;
  /** Present but empty or only spaces (unset is not blank). */
  blank(field: ChannelField): boolean;
  label(field: ChannelField): string;
  problem(message: string): void;
  /** Problems recorded so far (all channels). */
  count(): number;
}

function envFields(reader: EnvReader): FieldReader {
  return {
    get: (field) => reader.raw(field),
    blank: (field) => reader.env[field] !== undefined && reader.env[field]!.trim() === "",
    label: (field) => field,
    problem: (m) => reader.problem(m),
    count: () => reader.problems.length,
  };
}

function fileFields(
  entry: Record<string, unknown>,
  prefix: string,
  reader: EnvReader,
): FieldReader {
  const known = new Set<string>(Object.values(CHANNEL_FIELDS));
  for (const key of Object.keys(entry)) {
    if (!known.has(key)) {
      reader.problem(
        `${prefix}: unknown key ${quote(key)}; channel keys are ${[...known].join(", ")}`,
      );
    }
  }
  return {
    get: (field) => {
      const v = entry[CHANNEL_FIELDS[field]];
      if (v === undefined || v === null) return undefined;
      const text = String(v).trim();
      return text === "" ? undefined : text;
    },
    blank: (field) => {
      const v = entry[CHANNEL_FIELDS[field]];
      return v !== undefined && v !== null && String(v).trim() === "";
    },
    label: (field) => `${prefix}.${CHANNEL_FIELDS[field]}`,
    problem: (m) => reader.problem(m),
    count: () => reader.problems.length,
  };
}

function readConfigFile(file: string, reader: EnvReader): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    reader.problem(
      `--config ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path`,
    );
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    reader.problem(`--config ${file} is not valid YAML or JSON: ${(err as Error).message}`);
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    reader.problem(`--config ${file} must hold an object with a channels list`);
    return undefined;
  }
  return doc as Record<string, unknown>;
}

function readChannel(
  f: FieldReader,
  exists: ((p: string) => boolean) | undefined,
): ChannelConfig | undefined {
  const problemsBefore = f.count();
  const name = f.get("CHANNEL") ?? (f.label("CHANNEL") === "CHANNEL" ? DEFAULTS.CHANNEL : "");
  if (name === "") {
    f.problem(`${f.label("CHANNEL")} is required: a channel name such as cam1`);
  } else if (!isChannelName(name)) {
    f.problem(
      `${f.label("CHANNEL")} must be 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit, got ${quote(name)}`,
    );
  }
  if (f.blank("SOURCE")) {
    // Set but empty: an unset shell variable (SOURCE="$CAMERA_URL") would otherwise
    // quietly record the test pattern instead of the camera meant.
    f.problem(
      `${f.label("SOURCE")} is set but empty: give test, /dev/videoN, rtsp://… or rtmp://…${f.label("SOURCE") === "SOURCE" ? " (unset SOURCE for the test pattern)" : ""}`,
    );
    return undefined;
  }
  const sourceText =
    f.get("SOURCE") ?? (f.label("SOURCE") === "SOURCE" ? DEFAULTS.SOURCE : undefined);
  if (sourceText === undefined) {
    f.problem(`${f.label("SOURCE")} is required: test, /dev/videoN, rtsp://… or rtmp://…`);
    return undefined;
  }
  const source = readSource(sourceText, f, exists);
  if (!source || f.count() > problemsBefore) return undefined;
  return { name, source, sourceLabel: redactUrl(sourceText) };
}

function readSource(
  text: string,
  f: FieldReader,
  exists: ((p: string) => boolean) | undefined,
): SourceConfig | undefined {
  const applies = (field: ChannelField, kinds: string, kind: string) => {
    if (f.get(field) !== undefined && !kinds.split(",").includes(kind)) {
      f.problem(
        `${f.label(field)} does not apply to ${kind} sources (only to ${kinds.replace(",", " and ")}): remove it`,
      );
    }
  };
  const label = f.label("SOURCE");

  if (text === "test") {
    for (const field of [
      "INPUT_FORMAT",
      "AUDIO_DEVICE",
      "RTSP_TRANSPORT",
      "SOURCE_TIMEOUT",
    ] as const)
      applies(
        field,
        field.startsWith("RTSP") || field === "SOURCE_TIMEOUT" ? "rtsp" : "v4l2",
        "test",
      );
    return {
      kind: "test",
      size: readSize(f) ?? { width: 640, height: 360 },
      framerate: readFramerate(f) ?? 25,
      audio: readBool(f, "TEST_AUDIO", true),
      encoder: readEncoder(f),
      videoBitrate: readBitrate(f, 600_000),
    };
  }

  if (text.startsWith("/dev/")) {
    applies("RTSP_TRANSPORT", "rtsp", "v4l2");
    applies("SOURCE_TIMEOUT", "rtsp", "v4l2");
    applies("TEST_AUDIO", "test", "v4l2");
    if (exists && !exists(text)) {
      f.problem(
        `${label}: device ${text} does not exist: plug the camera in, check the number with \`pnpm recorder probe\`, or use SOURCE=test`,
      );
    }
    const formatText = f.get("INPUT_FORMAT")?.toLowerCase();
    let inputFormat: V4l2InputFormat | undefined;
    if (formatText !== undefined) {
      const normal = formatText === "yuyv" ? "yuyv422" : formatText;
      if ((V4L2_INPUT_FORMATS as readonly string[]).includes(normal)) {
        inputFormat = normal as V4l2InputFormat;
      } else {
        f.problem(
          `${f.label("INPUT_FORMAT")} must be one of ${V4L2_INPUT_FORMATS.join(", ")}, got ${quote(formatText)}`,
        );
      }
    }
    const size = readSize(f);
    const framerate = readFramerate(f);
    const audioDevice = f.get("AUDIO_DEVICE");
    if (audioDevice !== undefined && !/^[A-Za-z0-9_:,=.-]+$/.test(audioDevice)) {
      f.problem(
        `${f.label("AUDIO_DEVICE")} must be an ALSA device name such as hw:1,0 or plughw:CARD=Mic, got ${quote(audioDevice)}`,
      );
    }
    return {
      kind: "v4l2",
      device: text,
      ...(inputFormat ? { inputFormat } : {}),
      ...(size ? { size } : {}),
      ...(framerate ? { framerate } : {}),
      ...(audioDevice ? { audioDevice } : {}),
      encoder: readEncoder(f),
      videoBitrate: readBitrate(f, 2_000_000),
    };
  }

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "rtsp" || scheme === "rtsps") {
    for (const field of [
      "VIDEO_SIZE",
      "FRAMERATE",
      "INPUT_FORMAT",
      "AUDIO_DEVICE",
      "VIDEO_ENCODER",
      "VIDEO_BITRATE",
    ] as const)
      applies(field, "test,v4l2", "rtsp");
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || url.hostname === "") {
      f.problem(
        `${label} is not a valid RTSP URL: use rtsp://user:password@HOST[:PORT]/PATH (special characters in the password percent-encoded), got ${quote(redactUrl(text))}`,
      );
      return undefined;
    }
    const transportText = f.get("RTSP_TRANSPORT")?.toLowerCase() ?? "tcp";
    if (transportText !== "tcp" && transportText !== "udp") {
      f.problem(`${f.label("RTSP_TRANSPORT")} must be tcp or udp, got ${quote(transportText)}`);
    }
    return {
      kind: "rtsp",
      url: text,
      transport: transportText === "udp" ? "udp" : "tcp",
      timeoutSeconds: readInt(f, "SOURCE_TIMEOUT", 5, 1, 60),
    };
  }

  if (scheme === "rtmp") {
    for (const field of [
      "VIDEO_SIZE",
      "FRAMERATE",
      "INPUT_FORMAT",
      "AUDIO_DEVICE",
      "VIDEO_ENCODER",
      "VIDEO_BITRATE",
      "RTSP_TRANSPORT",
      "SOURCE_TIMEOUT",
    ] as const)
      applies(
        field,
        field.startsWith("RTSP") || field === "SOURCE_TIMEOUT" ? "rtsp" : "test,v4l2",
        "rtmp",
      );
    const m = /^rtmp:\/\/([^/:@\s]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?\/([^/\s]+)\/([^/\s]+)$/i.exec(
      text,
    );
    const port = m?.[2] === undefined ? 1935 : Number(m[2]);
    if (!m || port < 1 || port > 65535) {
      f.problem(
        `${label} must be rtmp://ADDRESS:PORT/APP/KEY to listen for a publisher (e.g. rtmp://0.0.0.0:1935/live/SECRETKEY), got ${quote(redactUrl(text))}`,
      );
      return undefined;
    }
    return {
      kind: "rtmp",
      url: `rtmp://${m[1]}:${port}/${m[3]}/${m[4]}`,
      host: m[1]!,
      port,
      app: m[3]!,
      streamKey: m[4]!,
    };
  }

  f.problem(
    `${label} must be test, a V4L2 device (/dev/videoN), rtsp://… or rtmp://ADDRESS:PORT/APP/KEY, got ${quote(redactUrl(text))}`,
  );
  return undefined;
}

function readSize(f: FieldReader): VideoSize | undefined {
  const text = f.get("VIDEO_SIZE");
  if (text === undefined) return undefined;
  const m = /^(\d{1,5})x(\d{1,5})$/i.exec(text);
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width < 32 || height < 32 || width > 7680 || height > 4320) {
    f.problem(
      `${f.label("VIDEO_SIZE")} must be WIDTHxHEIGHT from 32x32 to 7680x4320, e.g. 1280x720, got ${quote(text)}`,
    );
    return undefined;
  }
  if (width % 2 !== 0 || height % 2 !== 0) {
    f.problem(
      `${f.label("VIDEO_SIZE")} must have an even width and height (H.264 4:2:0 needs it), got ${quote(text)}`,
    );
    return undefined;
  }
  return { width, height };
}

function readFramerate(f: FieldReader): number | undefined {
  const text = f.get("FRAMERATE");
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n < 1 || n > 120) {
    f.problem(
      `${f.label("FRAMERATE")} must be a number of frames per second from 1 to 120, got ${quote(text)}`,
    );
    return undefined;
  }
  return n;
}

function readEncoder(f: FieldReader): VideoEncoderChoice {
  const text = f.get("VIDEO_ENCODER");
  if (text === undefined) return "auto";
  if (!(VIDEO_ENCODERS as readonly string[]).includes(text)) {
    f.problem(
      `${f.label("VIDEO_ENCODER")} must be one of ${VIDEO_ENCODERS.join(", ")}, got ${quote(text)}`,
    );
    return "auto";
  }
  return text as VideoEncoderChoice;
}

function readBitrate(f: FieldReader, fallback: number): number {
  const text = f.get("VIDEO_BITRATE");
  if (text === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  const value = m
    ? Number(m[1]) * (m[2]?.toLowerCase() === "k" ? 1e3 : m[2]?.toLowerCase() === "m" ? 1e6 : 1)
    : Number.NaN;
  if (!(value >= 50_000 && value <= 50_000_000)) {
    f.problem(
      `${f.label("VIDEO_BITRATE")} must be a bitrate from 50k to 50M bits per second, e.g. 2M or 800k, got ${quote(text)}`,
    );
    return fallback;
  }
  return Math.round(value);
}

function readBool(f: FieldReader, field: ChannelField, fallback: boolean): boolean {
  const text = f.get(field)?.toLowerCase();
  if (text === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  f.problem(`${f.label(field)} must be true or false, got ${quote(text)}`);
  return fallback;
}

function readInt(
  f: FieldReader,
  field: ChannelField,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = f.get(field);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    f.problem(`${f.label(field)} must be an integer from ${min} to ${max}, got ${quote(text)}`);
    return fallback;
  }
  return Number(text);
}

function checkConflicts(channels: ChannelConfig[], reader: EnvReader): void {
  const seen = new Map<string, number>();
  channels.forEach((c, i) => {
    const keys = [`name:${c.name}`];
    if (c.source.kind === "v4l2") keys.push(`device:${c.source.device}`);
    if (c.source.kind === "rtmp") keys.push(`port:${c.source.port}`);
    for (const key of keys) {
      const other = seen.get(key);
      if (other !== undefined) {
        const [what, value] = key.split(/:(.*)/s) as [string, string];
        reader.problem(
          `channels[${i}] uses the same ${what === "port" ? "RTMP listen port" : what} as channels[${other}] (${value}): each channel needs its own`,
        );
      } else {
        seen.set(key, i);
      }
    }
  });
}
