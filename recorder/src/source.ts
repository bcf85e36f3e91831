/**
 * What a channel records from. `SOURCE` (or a config file's `source`) picks
 * the kind; the other fields refine it. Parsed once by recorder-config.ts and
 * turned into ffmpeg arguments by ffmpeg-args.ts, so nothing else in the
 * recorder ever looks at a source string again.
 */
export type SourceConfig = TestSource | V4l2Source | RtspSource | RtmpSource;

export interface VideoSize {
  width: number;
  height: number;
}

/** The lavfi test pattern (video + a tone), paced in real time. */
export interface TestSource {
  kind: "test";
  size: VideoSize;
  framerate: number;
  /** Add a 1 kHz tone as AAC audio. */
  audio: boolean;
  encoder: VideoEncoderChoice;
  /** Target video bitrate in bits per second for the encoder. */
  videoBitrate: number;
}

/** Pixel formats a USB camera is asked for (`ffmpeg -f v4l2 -input_format`). */
export const V4L2_INPUT_FORMATS = ["mjpeg", "yuyv422", "h264"] as const;
export type V4l2InputFormat = (typeof V4L2_INPUT_FORMATS)[number];

/**
 * `auto`: the Raspberry Pi's hardware encoder (h264_v4l2m2m) when the board
 * has one, else libx264. Copy is automatic when the camera gives H.264.
 */
export const VIDEO_ENCODERS = ["auto", "h264_v4l2m2m", "libx264"] as const;
export type VideoEncoderChoice = (typeof VIDEO_ENCODERS)[number];

/** A V4L2 (USB or CSI via libcamera's V4L2 compatibility) camera. */
export interface V4l2Source {
  kind: "v4l2";
  device: string;
  /** Unset: whatever the driver defaults to. */
  inputFormat?: V4l2InputFormat;
  size?: VideoSize;
  framerate?: number;
  /** ALSA capture device for a microphone, e.g. `hw:1,0` or `plughw:CARD=Mic`. */
  audioDevice?: string;
  encoder: VideoEncoderChoice;
  videoBitrate: number;
}

/** An RTSP camera. The URL may carry credentials: never log it unredacted. */
export interface RtspSource {
  kind: "rtsp";
  url: string;
  transport: "tcp" | "udp";
  /** Socket timeout: ffmpeg gives up on a silent camera after about twice this. */
  timeoutSeconds: number;
}

/** Listen for an RTMP publisher (OBS, another ffmpeg) on `rtmp://ADDRESS:PORT/APP/KEY`. */
export interface RtmpSource {
  kind: "rtmp";
  url: string;
  host: string;
  port: number;
  app: string;
  /** Whoever knows the stream key can publish: treat it as a secret. */
  streamKey: string;
}

/** The longest a source may stay silent, used by the stall watchdog (seconds). */
export function sourceTimeoutSeconds(source: SourceConfig): number {
  return source.kind === "rtsp" ? source.timeoutSeconds : 5;
}

/** `1280x720` */
export function formatSize(size: VideoSize): string {
  return `${size.width}x${size.height}`;
}
