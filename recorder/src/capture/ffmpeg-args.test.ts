import { describe, expect, it } from "vitest";
import type { SourceConfig } from "../source";
import { buildFfmpegArgs, planToArgv } from "./ffmpeg-args";

const outDir = "/spool/cam1/incoming/a1";
function argv(source: SourceConfig, hardwareEncoder = false, n = 2): string[] {
  return planToArgv(
    buildFfmpegArgs({
      source,
      targetDuration: n,
      outDir,
      hardwareEncoder,
      tsOffset: "95440.500000",
    }),
  );
}
/** The value following `flag` (first occurrence). */
function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}
const segmenting = (args: string[]) => {
  expect(after(args, "-f")).toBeDefined();
  expect(args.slice(-1)[0]).toBe(`${outDir}/seg%06d.ts`);
  expect(after(args, "-segment_time")).toBe("2");
  expect(after(args, "-segment_list")).toBe(`${outDir}/segments.csv`);
  expect(after(args, "-segment_list_type")).toBe("csv");
  expect(after(args, "-reset_timestamps")).toBe("0");
  // Timestamps as given (no 1.4 s mux delay), from the wall-clock offset of the attempt.
  expect(after(args, "-segment_format_options")).toBe(
    "mpegts_flags=+initial_discontinuity:mpegts_copyts=1",
  );
  expect(after(args, "-output_ts_offset")).toBe("95440.500000");
  expect(args.indexOf("-output_ts_offset")).toBeLessThan(args.lastIndexOf("-f"));
  expect(args).toContain("-nostdin");
};
const forcesKeyframes = (args: string[]) => {
  expect(after(args, "-force_key_frames")).toBe("expr:gte(t,n_forced*2)");
  expect(after(args, "-sc_threshold")).toBe("0");
  expect(after(args, "-pix_fmt")).toBe("yuv420p");
};

describe("buildFfmpegArgs", () => {
  it("paces the lavfi test pattern in real time and encodes video and a tone with a keyframe on every cut", () => {
    const args = argv({
      kind: "test",
      size: { width: 640, height: 360 },
      framerate: 25,
      audio: true,
      encoder: "auto",
      videoBitrate: 600_000,
    });
    segmenting(args);
    forcesKeyframes(args);
    expect(args.filter((a) => a === "-re")).toHaveLength(2);
    expect(args).toContain(
      "testsrc2=size=640x360:rate=25,drawtext=text=%{gmtime} UTC:x=8:y=8:fontsize=24:fontcolor=white:box=1:boxcolor=black@0.6",
    );
    expect(after(args, "-c:v")).toBe("libx264");
    expect(after(args, "-preset")).toBe("ultrafast");
    expect(after(args, "-c:a")).toBe("aac");
    expect(after(args, "-g")).toBe("50");
  });

  it("encodes an MJPEG camera with the Pi's hardware encoder when present", () => {
    const args = argv(
      {
        kind: "v4l2",
        device: "/dev/video0",
        inputFormat: "mjpeg",
        size: { width: 1280, height: 720 },
        framerate: 30,
        encoder: "auto",
        videoBitrate: 2_000_000,
      },
      true,
    );
    segmenting(args);
    forcesKeyframes(args);
    expect(after(args, "-f")).toBe("v4l2");
    expect(after(args, "-input_format")).toBe("mjpeg");
    expect(after(args, "-video_size")).toBe("1280x720");
    expect(after(args, "-framerate")).toBe("30");
    expect(after(args, "-i")).toBe("/dev/video0");
    expect(after(args, "-c:v")).toBe("h264_v4l2m2m");
    expect(args).not.toContain("-preset");
    expect(after(args, "-bsf:v")).toBe("dump_extra=freq=keyframe");
  });

  it("falls back to libx264 for a YUYV camera on a board without a hardware encoder", () => {
    const args = argv({
      kind: "v4l2",
      device: "/dev/video2",
      inputFormat: "yuyv422",
      encoder: "auto",
      videoBitrate: 1_000_000,
    });
    forcesKeyframes(args);
    expect(after(args, "-input_format")).toBe("yuyv422");
    expect(after(args, "-c:v")).toBe("libx264");
    expect(after(args, "-tune")).toBe("zerolatency");
    expect(args).not.toContain("-g"); // frame rate unknown: no GOP guess
  });

  it("copies H.264 from a camera that offers it, with no keyframe forcing", () => {
    const args = argv({
      kind: "v4l2",
      device: "/dev/video0",
      inputFormat: "h264",
      encoder: "auto",
      videoBitrate: 2_000_000,
    });
    segmenting(args);
    expect(after(args, "-c:v")).toBe("copy");
    expect(args).not.toContain("-force_key_frames");
  });

  it("adds an ALSA microphone as AAC with wall-clock video timestamps to match it", () => {
    const args = argv({
      kind: "v4l2",
      device: "/dev/video0",
      audioDevice: "hw:1,0",
      encoder: "libx264",
      videoBitrate: 2_000_000,
    });
    expect(after(args, "-ts")).toBe("abs");
    const alsa = args.indexOf("alsa");
    expect(alsa).toBeGreaterThan(0);
    expect(args.slice(alsa).indexOf("hw:1,0")).toBeGreaterThan(0);
    expect(args.join(" ")).toContain("-map 0:v:0 -map 1:a:0");
    expect(after(args, "-c:a")).toBe("aac");
  });

  it("pulls RTSP over TCP with a socket timeout, copies video and transcodes audio to AAC", () => {
    const args = argv({
      kind: "rtsp",
      url: "rtsp://u:p@10.0.0.5/s1",
      transport: "tcp",
      timeoutSeconds: 5,
    });
    segmenting(args);
    expect(after(args, "-rtsp_transport")).toBe("tcp");
    expect(after(args, "-timeout")).toBe("5000000");
    expect(args.indexOf("-timeout")).toBeLessThan(args.indexOf("-i"));
    expect(after(args, "-i")).toBe("rtsp://u:p@10.0.0.5/s1");
    expect(after(args, "-c:v")).toBe("copy");
    expect(after(args, "-c:a")).toBe("aac");
    expect(args).toContain("0:a:0?");
  });

  it("listens for one RTMP publisher and copies what it sends", () => {
    const args = argv({
      kind: "rtmp",
      url: "rtmp://0.0.0.0:1935/live/key",
      host: "0.0.0.0",
      port: 1935,
      app: "live",
      streamKey: "key",
    });
    segmenting(args);
    expect(after(args, "-listen")).toBe("1");
    expect(after(args, "-i")).toBe("rtmp://0.0.0.0:1935/live/key");
    expect(after(args, "-c:v")).toBe("copy");
    expect(after(args, "-c:a")).toBe("copy");
  });

  it("uses the segment length it is given for cuts and keyframes", () => {
    const args = argv(
      {
        kind: "test",
        size: { width: 320, height: 240 },
        framerate: 30,
        audio: false,
        encoder: "libx264",
        videoBitrate: 300_000,
      },
      false,
      30,
    );
    expect(after(args, "-segment_time")).toBe("30");
    expect(after(args, "-force_key_frames")).toBe("expr:gte(t,n_forced*30)");
    expect(args).not.toContain("sine=frequency=1000:sample_rate=48000");
    expect(args).not.toContain("-c:a");
  });
});
