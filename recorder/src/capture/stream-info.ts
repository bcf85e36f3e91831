import type { MediaInfo } from "../spool/completed-segment";

/**
 * Reads what ffmpeg recorded from its log: the `Output #0` stream lines
 * (what actually goes into the segments, after any transcoding), e.g.
 *
 *   Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720, q=2-31, 2000 kb/s, 30 fps, 90k tbn
 *   Stream #0:1: Audio: aac (LC), 48000 Hz, mono, fltp, 64 kb/s
 *
 * Bitrate is left to the recorder, which measures it from segment sizes (a
 * copied stream has no declared bitrate). Fed line by line; `done` turns true
 * once the output header has been read.
 */
export class StreamInfoParser {
  private section: "none" | "input" | "output" = "none";
  private readonly info: MediaInfo = {};
  private seenOutputStream = false;
  /** True once ffmpeg has opened its input (a camera answered, a publisher connected). */
  inputOpened = false;
  done = false;

  /** Feeds one stderr line; returns true when this line completed the media info. */
  push(line: string): boolean {
    if (this.done) return false;
    const text = line.trim();
    if (text.startsWith("Input #")) {
      this.section = "input";
      this.inputOpened = true;
      return false;
    }
    if (text.startsWith("Output #")) {
      this.section = "output";
      return false;
    }
    if (this.section === "output") {
      const stream = /^Stream #\d+:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio): (.*)$/.exec(
        text,
      );
      if (stream) {
        this.seenOutputStream = true;
        if (stream[1] === "Video") parseVideo(stream[2]!, this.info);
        else parseAudio(stream[2]!, this.info);
        return false;
      }
      // The output header ends at the first line that is neither a stream nor its metadata.
      if (
        this.seenOutputStream &&
        !/^(Stream #|Metadata:|Side data:|[a-z_ ]+\s*:|cpb:)/i.test(text) &&
        text !== ""
      ) {
        this.done = true;
        return true;
      }
    }
    return false;
  }

  /** What was learned so far (possibly partial). */
  get media(): MediaInfo {
    return { ...this.info };
  }
}

function parseVideo(text: string, info: MediaInfo): void {
  const codec = /^([a-z0-9_]+)/i.exec(text)?.[1];
  if (codec) info.videoCodec = codec;
  const size = /(?:^|[ ,])(\d{2,5})x(\d{2,5})(?:[ ,]|$)/.exec(text);
  if (size) {
    info.width = Number(size[1]);
    info.height = Number(size[2]);
  }
  const fps = /([\d.]+)(k?) fps/.exec(text) ?? /([\d.]+)(k?) tbr/.exec(text);
  if (fps) info.fps = Number(fps[1]) * (fps[2] ? 1000 : 1);
  const rate = /(\d+) kb\/s/.exec(text);
  if (rate) info.bitrate = Number(rate[1]) * 1000;
}

function parseAudio(text: string, info: MediaInfo): void {
  const codec = /^([a-z0-9_]+)/i.exec(text)?.[1];
  if (codec) info.audioCodec = codec;
  const hz = /(\d+) Hz/.exec(text);
  if (hz) info.audioSampleRate = Number(hz[1]);
}
