import { describe, expect, it } from "vitest";
import { StreamInfoParser } from "./stream-info";

const encodeLog = `Input #0, lavfi, from 'testsrc2=size=640x360:rate=25':
  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0: Video: rawvideo (I420 / 0x30323449), yuv420p, 640x360 [SAR 1:1 DAR 16:9], 25 tbr, 25 tbn
Output #0, segment, to '/tmp/cap1/seg%06d.ts':
  Metadata:
    encoder         : Lavf59.27.100
  Stream #0:0: Video: h264, yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], q=2-31, 600 kb/s, 25 fps, 90k tbn
    Metadata:
      encoder         : Lavc59.37.100 libx264
    Side data:
      cpb: bitrate max/min/avg: 600000/0/600000 buffer size: 1200000 vbv_delay: N/A
  Stream #0:1: Audio: aac (LC), 48000 Hz, mono, fltp, 64 kb/s
    Metadata:
      encoder         : Lavc59.37.100 aac
[segment @ 0x56467770cb40] Opening '/tmp/cap1/seg000001.ts' for writing`;

describe("StreamInfoParser", () => {
  it("reads what is recorded from the output header, not the input", () => {
    const p = new StreamInfoParser();
    const done = encodeLog.split("\n").map((l) => p.push(l));
    expect(done.filter(Boolean)).toHaveLength(1);
    expect(p.inputOpened).toBe(true);
    expect(p.media).toEqual({
      videoCodec: "h264",
      width: 640,
      height: 360,
      fps: 25,
      bitrate: 600_000,
      audioCodec: "aac",
      audioSampleRate: 48000,
    });
  });

  it("reads a copied RTSP stream (no declared bitrate, fps from tbr)", () => {
    const p = new StreamInfoParser();
    for (const l of [
      "Input #0, rtsp, from 'rtsp://***@127.0.0.1:8554/cam':",
      "Output #0, segment, to 'x/seg%06d.ts':",
      "  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], q=2-31, 30 tbr, 90k tbn",
      "  Stream #0:1: Audio: aac (LC), 8000 Hz, mono, fltp, 69 kb/s",
      "Press [q] to stop, [?] for help",
    ])
      p.push(l);
    expect(p.done).toBe(true);
    expect(p.media).toMatchObject({
      videoCodec: "h264",
      width: 1280,
      height: 720,
      fps: 30,
      audioSampleRate: 8000,
    });
    expect(p.media.bitrate).toBeUndefined();
  });
});
