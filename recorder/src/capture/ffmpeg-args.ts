import path from "node:path";
import { formatSize, type SourceConfig } from "../source";

/**
 * The ffmpeg command for one capture attempt, as a pure function of the
 * source, the segment length and the output folder (unit-tested per source
 * kind; ffmpeg-process.ts hands it to fluent-ffmpeg).
 *
 * Every attempt writes MPEG-TS segments with ffmpeg's segment muxer into its
 * own folder, named `seg000000.ts`, `seg000001.ts`, … (no two attempts share
 * a folder, so a fast restart can never overwrite a file), and appends one
 * csv line `name,start,end` per closed segment to `segments.csv`: that line is
 * the only completion signal the recorder trusts.
 *
 * Choices (see FIELD_NOTES.md for the observations behind them):
 * - `-reset_timestamps 0`: timestamps stay continuous across a run's
 *   segments, so they concatenate cleanly.
 * - `-segment_format_options mpegts_flags=+initial_discontinuity`: no
 *   "Packet corrupt" at file boundaries when segments are concatenated.
 * - `-output_ts_offset` (the attempt's wall-clock start on the 90 kHz clock)
 *   with `mpegts_copyts=1` (the TS muxer adds no 1.4 s delay of its own):
 *   a PTS is the UTC time it was captured, mod 2^33 (wallclock-pts.ts), so
 *   timestamps never restart at 0 with a run.
 * - When encoding: `-force_key_frames expr:gte(t,n_forced*N) -sc_threshold 0`
 *   puts a keyframe exactly on every cut, so segments are exactly N s long.
 *   With copy (H.264 cameras, RTSP, RTMP) cuts follow the source's GOP and
 *   the csv records the real durations.
 * - RTSP: TCP by default, `-timeout` always set (without it a frozen camera
 *   hangs ffmpeg forever); audio is transcoded to AAC because MPEG-TS cannot
 *   carry G.711, the usual camera codec.
 * - RTMP: `-listen 1` accepts one publisher; ffmpeg exits 0 when it leaves and
 *   the supervisor starts the next listener. Audio from RTMP encoders is AAC
 *   (or MP3), which MPEG-TS carries, so it is copied.
 * - `-nostats`: no progress line twice a second for Node to parse.
 */
export interface FfmpegPlan {
  inputs: FfmpegInput[];
  outputOptions: string[];
  /** Output file pattern (`…/seg%06d.ts`). */
  output: string;
  /** The csv segment list ffmpeg appends to. */
  listFile: string;
}

export interface FfmpegInput {
  url: string;
  /** Options placed before this input's `-i`. */
  options: string[];
}

export interface FfmpegArgsOptions {
  source: SourceConfig;
  /** Segment length in seconds (TARGET_DURATION). */
  targetDuration: number;
  /** Folder for this attempt's segments and csv list (must exist, must be empty). */
  outDir: string;
  /** Whether the Raspberry Pi's hardware H.264 encoder (h264_v4l2m2m) is usable here. */
  hardwareEncoder: boolean;
  /**
   * `-output_ts_offset` in seconds (wallclock-pts.ts): the attempt's start on
   * the 90 kHz wall clock, so timestamps tell the time and never restart at 0.
   */
  tsOffset?: string;
}

/** Segment files of an attempt: `seg000000.ts`, numbered by ffmpeg from 0. */
export const SEGMENT_PATTERN = "seg%06d.ts";
export const SEGMENT_LIST_NAME = "segments.csv";

/** Options that affect the whole process, not one input. */
const GLOBAL = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"];

export function buildFfmpegArgs(opts: FfmpegArgsOptions): FfmpegPlan {
  const { source, targetDuration: n } = opts;
  const inputs: FfmpegInput[] = [];
  const out: string[] = [];

  switch (source.kind) {
    case "test": {
      const rate = source.framerate;
      // The UTC wall-clock time burnt in: a recording's key time can be checked by eye,
      // and no two runs write the same bytes (testsrc2 alone starts from the same frame).
      const fontSize = Math.max(12, Math.round(source.size.height / 15));
      inputs.push({
        url:
          `testsrc2=size=${formatSize(source.size)}:rate=${rate},` +
          `drawtext=text=%{gmtime} UTC:x=8:y=8:fontsize=${fontSize}:fontcolor=white:box=1:boxcolor=black@0.6`,
        options: [...GLOBAL, "-re", "-f", "lavfi"],
      });
      if (source.audio) {
        inputs.push({
          url: "sine=frequency=1000:sample_rate=48000",
          options: ["-re", "-f", "lavfi"],
        });
      }
      out.push("-map", "0:v:0");
      if (source.audio) out.push("-map", "1:a:0");
      out.push(...encodeVideo(source.encoder, opts.hardwareEncoder, source.videoBitrate, n, rate));
      if (source.audio) out.push("-c:a", "aac", "-b:a", "64k", "-ac", "1");
      break;
    }
    case "v4l2": {
      const v: string[] = [...GLOBAL, "-f", "v4l2", "-thread_queue_size", "512"];
      if (source.audioDevice) v.push("-ts", "abs"); // wall-clock video timestamps, like ALSA's
      if (source.inputFormat) v.push("-input_format", source.inputFormat);
      if (source.size) v.push("-video_size", formatSize(source.size));
      if (source.framerate) v.push("-framerate", String(source.framerate));
      inputs.push({ url: source.device, options: v });
      if (source.audioDevice) {
        inputs.push({
          url: source.audioDevice,
          options: ["-f", "alsa", "-thread_queue_size", "1024"],
        });
      }
      out.push("-map", "0:v:0");
      if (source.audioDevice) out.push("-map", "1:a:0");
      if (source.inputFormat === "h264") {
        out.push("-c:v", "copy");
      } else {
        out.push(
          ...encodeVideo(
            source.encoder,
            opts.hardwareEncoder,
            source.videoBitrate,
            n,
            source.framerate,
          ),
        );
      }
      if (source.audioDevice) out.push("-c:a", "aac", "-b:a", "96k", "-ac", "1");
      break;
    }
    case "rtsp": {
      inputs.push({
        url: source.url,
        options: [
          ...GLOBAL,
          "-rtsp_transport",
          source.transport,
          "-timeout",
          String(source.timeoutSeconds * 1_000_000),
        ],
      });
      out.push("-map", "0:v:0", "-map", "0:a:0?", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k");
      break;
    }
    case "rtmp": {
      inputs.push({ url: source.url, options: [...GLOBAL, "-f", "flv", "-listen", "1"] });
      out.push("-map", "0:v:0", "-map", "0:a:0?", "-c:v", "copy", "-c:a", "copy");
      break;
    }
  }

  const listFile = path.join(opts.outDir, SEGMENT_LIST_NAME);
  if (opts.tsOffset !== undefined) out.push("-output_ts_offset", opts.tsOffset);
  out.push(
    "-f",
    "segment",
    "-segment_time",
    String(n),
    "-segment_format",
    "mpegts",
    "-segment_format_options",
    "mpegts_flags=+initial_discontinuity:mpegts_copyts=1",
    "-reset_timestamps",
    "0",
    "-segment_list",
    listFile,
    "-segment_list_type",
    "csv",
  );
  return { inputs, outputOptions: out, output: path.join(opts.outDir, SEGMENT_PATTERN), listFile };
}

/**
 * H.264 encoding with a keyframe on every cut. The Pi's hardware encoder
 * (h264_v4l2m2m) costs almost no CPU; libx264 `ultrafast` + `zerolatency`
 * is the software fallback a Pi can sustain (no B-frames, no lookahead delay).
 */
function encodeVideo(
  choice: "auto" | "h264_v4l2m2m" | "libx264",
  hardwareEncoder: boolean,
  bitrate: number,
  n: number,
  framerate: number | undefined,
): string[] {
  const codec = choice === "auto" ? (hardwareEncoder ? "h264_v4l2m2m" : "libx264") : choice;
  const args = ["-c:v", codec];
  if (codec === "libx264") args.push("-preset", "ultrafast", "-tune", "zerolatency");
  args.push(
    "-pix_fmt",
    "yuv420p",
    "-b:v",
    String(bitrate),
    "-maxrate",
    String(bitrate),
    "-bufsize",
    String(bitrate * 2),
  );
  if (framerate) args.push("-g", String(Math.round(n * framerate)));
  args.push("-force_key_frames", `expr:gte(t,n_forced*${n})`, "-sc_threshold", "0");
  // The hardware encoder puts SPS/PPS only at the start: repeat them so every segment decodes alone.
  if (codec === "h264_v4l2m2m") args.push("-bsf:v", "dump_extra=freq=keyframe");
  return args;
}

/** The plan as one argument list (logs, tests, running ffmpeg without fluent-ffmpeg). */
export function planToArgv(plan: FfmpegPlan): string[] {
  return [
    ...plan.inputs.flatMap((i) => [...i.options, "-i", i.url]),
    ...plan.outputOptions,
    plan.output,
  ];
}
