import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact";

describe("redactUrl", () => {
  it.each([
    ["rtsp://admin:secret@192.0.2.10:554/stream1", "rtsp://***@192.0.2.10:554/stream1"],
    ["rtsp://admin@cam/stream", "rtsp://***@cam/stream"],
    ["rtsp://cam/stream?user=a&password=b", "rtsp://cam/stream?user=a&password=***"],
    ["rtmp://0.0.0.0:1935/live/streamkey", "rtmp://0.0.0.0:1935/live/***"],
    ["/dev/video0", "/dev/video0"],
    ["test", "test"],
  ])("%s", (input, expected) => {
    const out = redactUrl(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/secret/);
  });
});
