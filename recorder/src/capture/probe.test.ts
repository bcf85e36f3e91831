import { describe, expect, it } from "vitest";
import { explainSourceError, parseV4l2Formats } from "./probe";

describe("probe messages", () => {
  it.each([
    ["[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized", /wrong user name or password/],
    ["rtsp://***@10.0.0.9/s: Connection refused", /connection refused: nothing listens/],
    [
      "[tcp @ 0x1] Connection to tcp://10.9.9.9:554?timeout=5000000 failed: Connection timed out",
      /no answer before the timeout/,
    ],
    ["[tcp @ 0x1] Connection to tcp://10.9.9.9:554 failed: No route to host", /host unreachable/],
    [
      "[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video0: Permission denied",
      /video group/,
    ],
    ["[video4linux2,v4l2 @ 0x1] ioctl(VIDIOC_STREAMON): Device or resource busy", /device is busy/],
    ["[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found", /no stream at this path/],
  ])("explains %s", (stderr, message) => {
    expect(explainSourceError(stderr, "cam")).toMatch(message);
  });

  it("lists a camera's formats and sizes from ffmpeg's -list_formats output", () => {
    const out = `[video4linux2,v4l2 @ 0x55] Compressed:       mjpeg :          Motion-JPEG : 1280x720 640x480
[video4linux2,v4l2 @ 0x55] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240
/dev/video0: Immediate exit requested`;
    expect(parseV4l2Formats(out)).toEqual([
      "Compressed mjpeg (Motion-JPEG): 1280x720 640x480",
      "Raw yuyv422 (YUYV 4:2:2): 640x480 320x240",
    ]);
  });
});
