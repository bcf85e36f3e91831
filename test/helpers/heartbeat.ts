import type { ChannelStatus } from "@kiroku/shared";

/**
 * A heartbeat (`_meta/{ch}/status.json`) as a recorder recording `cam1`
 * writes it, 1 s old at `nowMs` with a 2 s segment just completed and two
 * segments in the spool (that one and the one before); `over` replaces any
 * field.
 */
export function heartbeat(nowMs: number, over: Partial<ChannelStatus> = {}): ChannelStatus {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    schema: 1,
    channel: "cam1",
    state: "recording",
    since: iso(nowMs - 600_000),
    source: "rtsp://admin:pw@10.0.0.5/stream",
    media: {
      videoCodec: "h264",
      width: 1280,
      height: 720,
      fps: 30,
      bitrate: 2_000_000,
      audioCodec: "aac",
      audioSampleRate: 48_000,
    },
    lastSegment: {
      key: "movie/cam1/2026-11-22/10-29-58.000Z_2000ms_r3_s9.ts",
      startMs: nowMs - 2_000,
      durationMs: 2_000,
    },
    queue: { segments: 2, bytes: 1234, oldestStartMs: nowMs - 4_000 },
    diskFreeBytes: 10_000,
    dropped: 0,
    lastError: null,
    recorderVersion: "0.1.0",
    updatedAt: iso(nowMs - 1_000),
    intervalSeconds: 5,
    hostname: "pi",
    ...over,
  };
}
