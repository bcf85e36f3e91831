import { describe, expect, it } from "vitest";
import { TS_PACKET_SIZE, TsVerifier, verifyTs } from "./ts-verify";

/**
 * verifyTs on hand-built transport streams (no ffmpeg): the muxing rules it
 * relies on, byte by byte. Real ffmpeg segments, torn and checked against
 * ffprobe and the decoder, are in ts-verify.int.test.ts.
 */
const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;
const AUDIO_PID = 0x101;
const FRAME_TICKS = 3600; // 25 fps at 90 kHz

/** CRC-32/MPEG-2, written independently of the verifier's. */
function crc32(bytes: number[]): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  }
  return crc;
}

function section(body: number[]): number[] {
  const crc = crc32(body);
  return [...body, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff];
}

/** One packet; payload shorter than the room left is padded with adaptation-field stuffing. */
function packet(
  pid: number,
  cc: number,
  payload: number[],
  opts: { pusi?: boolean; rai?: boolean } = {},
): number[] {
  const head = [0x47, (opts.pusi ? 0x40 : 0) | (pid >> 8), pid & 0xff];
  const room = 184;
  if (payload.length === room && !opts.rai) return [...head, 0x10 | cc, ...payload];
  const afLen = room - 1 - payload.length; // bytes after the length byte
  if (afLen < 0) throw new Error("payload too long");
  const af = afLen === 0 ? [] : [opts.rai ? 0x40 : 0x00, ...new Array(afLen - 1).fill(0xff)];
  return [...head, 0x30 | cc, afLen, ...af, ...payload];
}

function psiPacket(pid: number, body: number[]): number[] {
  const data = [0x00, ...section(body)];
  return packet(pid, 0, [...data, ...new Array(184 - data.length).fill(0xff)], { pusi: true });
}

function pat(): number[] {
  const len = 5 + 4 + 4;
  return psiPacket(0, [
    0x00,
    0xb0,
    len,
    0,
    1,
    0xc1,
    0,
    0,
    0,
    1,
    0xe0 | (PMT_PID >> 8),
    PMT_PID & 0xff,
  ]);
}

function pmt(streams: { type: number; pid: number }[]): number[] {
  const len = 9 + 5 * streams.length + 4;
  const es = streams.flatMap((s) => [s.type, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0, 0]);
  return psiPacket(PMT_PID, [0x02, 0xb0, len, 0, 1, 0xc1, 0, 0, 0xe1, 0x00, 0xf0, 0, ...es]);
}

function ptsBytes(pts: number): number[] {
  const hi = Math.floor(pts / 2 ** 30) & 0x07;
  const mid = Math.floor(pts / 2 ** 15) & 0x7fff;
  const lo = pts & 0x7fff;
  return [0x21 | (hi << 1), mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1];
}

/** A PES split into packets the way ffmpeg's muxer writes it (stuffing in the last packet). */
function pes(
  pid: number,
  ccStart: number,
  streamId: number,
  pts: number,
  payload: number[],
  opts: { bounded?: boolean; rai?: boolean } = {},
): number[][] {
  const header = [0, 0, 1, streamId];
  const rest = [0x80, 0x80, 5, ...ptsBytes(pts), ...payload];
  const len = opts.bounded ? rest.length : 0;
  const data = [...header, len >> 8, len & 0xff, ...rest];
  const out: number[][] = [];
  let cc = ccStart;
  for (let i = 0; i < data.length; ) {
    const first = i === 0;
    const room = first && opts.rai ? 182 : 184;
    const chunk = data.slice(i, i + room);
    i += chunk.length;
    out.push(packet(pid, cc, chunk, { pusi: first, rai: first && opts.rai }));
    cc = (cc + 1) & 0x0f;
  }
  return out;
}

/**
 * H.264 access unit: AUD, then an IDR or non-IDR slice, filled to `size`
 * bytes; with `zeroPadded`, ending in two zero bytes (trailing_zero_8bits, as
 * some hardware encoders pad every frame).
 */
function h264Frame(idr: boolean, size: number, zeroPadded = false): number[] {
  const nal = [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, idr ? 0x65 : 0x41, 0x88];
  const body = [...nal, ...new Array(Math.max(0, size - nal.length)).fill(0xaa)];
  if (zeroPadded) body.splice(-2, 2, 0, 0);
  return body;
}

/** An ADTS AAC frame of `bytes` (48 kHz, mono). */
function adtsFrame(bytes: number): number[] {
  const h = [
    0xff,
    0xf1,
    (1 << 6) | (3 << 2),
    0x40 | ((bytes >> 11) & 3),
    (bytes >> 3) & 0xff,
    ((bytes & 7) << 5) | 0x1f,
    0xfc,
  ];
  return [...h, ...new Array(bytes - 7).fill(0x21)];
}

interface Built {
  bytes: Uint8Array;
  /** Byte offset of each video PES. */
  videoAt: number[];
}

/** A segment: PAT, PMT, `frames` video frames (first IDR) with an audio PES after every 8th. */
function segment(opts: {
  frames: number;
  audio?: boolean;
  firstIdr?: boolean;
  frameBytes?: number;
  startPts?: number;
  zeroPadded?: boolean;
}): Built {
  const start = opts.startPts ?? 126_000;
  const packets: number[][] = [
    pat(),
    pmt([{ type: 0x1b, pid: VIDEO_PID }, ...(opts.audio ? [{ type: 0x0f, pid: AUDIO_PID }] : [])]),
  ];
  const videoAt: number[] = [];
  let vcc = 0;
  let acc = 0;
  let audioPts = start;
  for (let f = 0; f < opts.frames; f++) {
    videoAt.push(packets.length * TS_PACKET_SIZE);
    const key = f === 0 ? (opts.firstIdr ?? true) : false;
    const ps = pes(
      VIDEO_PID,
      vcc,
      0xe0,
      (start + f * FRAME_TICKS) % 2 ** 33,
      h264Frame(key, (opts.frameBytes ?? 1000) + f, opts.zeroPadded),
      {
        rai: key,
      },
    );
    vcc = (vcc + ps.length) & 0x0f;
    packets.push(...ps);
    if (opts.audio && f % 8 === 7) {
      // 15 AAC frames (1024 samples at 48 kHz: 1920 ticks each) per PES.
      const frames = Array.from({ length: 15 }, () => adtsFrame(180)).flat();
      const as = pes(AUDIO_PID, acc, 0xc0, audioPts % 2 ** 33, frames, { bounded: true });
      acc = (acc + as.length) & 0x0f;
      audioPts += 15 * 1920;
      packets.push(...as);
    }
  }
  return { bytes: Uint8Array.from(packets.flat()), videoAt };
}

describe("verifyTs", () => {
  it("reads a whole stream: keyframe first, duration to the end of the last frame", () => {
    const { bytes } = segment({ frames: 50 });
    const v = verifyTs(bytes);
    expect(v).toMatchObject({
      ok: true,
      trimmed: false,
      validBytes: bytes.length,
      startPts: 126_000,
      durationMs: 2000,
      video: { pid: VIDEO_PID, codec: "h264", pes: 50, spanTicks: 50 * FRAME_TICKS },
    });
  });

  it("ends the audio at its last ADTS frame and spans both streams", () => {
    const { bytes } = segment({ frames: 50, audio: true });
    const v = verifyTs(bytes);
    // 6 audio PES of 15 frames × 21.33 ms = 1920 ms, inside the 2000 ms of video.
    expect(v).toMatchObject({
      ok: true,
      durationMs: 2000,
      audio: { codec: "aac", pes: 6, spanTicks: 6 * 15 * 1920 },
    });
  });

  it("handles a PTS that wraps around 2^33 inside the segment", () => {
    const startPts = 2 ** 33 - 10 * FRAME_TICKS;
    const v = verifyTs(segment({ frames: 50, startPts }).bytes);
    expect(v).toMatchObject({ ok: true, startPts, durationMs: 2000 });
  });

  it("drops a frame cut on a packet boundary: only complete frames are kept", () => {
    const { bytes, videoAt } = segment({ frames: 50, frameBytes: 2000 });
    const cut = videoAt[30]! + 3 * TS_PACKET_SIZE; // three packets into frame 30
    const v = verifyTs(bytes.subarray(0, cut));
    expect(v).toMatchObject({ ok: true, trimmed: true, validBytes: videoAt[30], durationMs: 1200 });
    if (v.ok) expect(v.trimReason).toBe("incomplete last PES dropped");
  });

  it("keeps a last frame that fills its last packet when the writer is known to have closed the file", () => {
    // The same bytes as a cut on a packet boundary: ambiguous after a crash,
    // whole when ffmpeg listed the file to the running recorder.
    const { bytes, videoAt } = segment({ frames: 50, frameBytes: 2000 });
    const end = videoAt[30]! + 3 * TS_PACKET_SIZE;
    expect(verifyTs(bytes.subarray(0, end))).toMatchObject({ trimmed: true, durationMs: 1200 });
    expect(verifyTs(bytes.subarray(0, end), { closedByWriter: true })).toMatchObject({
      ok: true,
      trimmed: false,
      validBytes: end,
      durationMs: 1240,
    });
    // Damage it shows is still cut.
    const torn = Uint8Array.from(bytes);
    torn.fill(0, videoAt[40]! + 10);
    expect(verifyTs(torn, { closedByWriter: true })).toMatchObject({ ok: true, trimmed: true });
  });

  it("keeps a frame that ends exactly where the file was cut (its last packet is stuffed)", () => {
    const { bytes, videoAt } = segment({ frames: 50, frameBytes: 2000 });
    const v = verifyTs(bytes.subarray(0, videoAt[30]!));
    expect(v).toMatchObject({
      ok: true,
      trimmed: false,
      validBytes: videoAt[30],
      durationMs: 1200,
    });
  });

  it("never reports the full duration for a torn file (mid-packet, zeros, garbage)", () => {
    const { bytes } = segment({ frames: 50, audio: true, frameBytes: 1500 });
    const half = Math.floor(bytes.length / 2);
    const zeros = Uint8Array.from(bytes);
    zeros.fill(0, half);
    const garbage = Uint8Array.from(bytes);
    for (let i = half; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
    for (const torn of [bytes.subarray(0, half + 5), zeros, garbage]) {
      const v = verifyTs(torn);
      expect(v.ok).toBe(true);
      if (!v.ok) continue;
      expect(v.trimmed).toBe(true);
      expect(v.validBytes).toBeLessThanOrEqual(half);
      expect(v.durationMs).toBeLessThan(1100);
      expect(v.durationMs).toBeGreaterThan(800);
    }
  });

  it("drops a last frame whose tail was zeroed inside its last packet, where no header shows it", () => {
    const { bytes, videoAt } = segment({ frames: 50, frameBytes: 2000 });
    const torn = Uint8Array.from(bytes);
    torn.fill(0, bytes.length - 20); // the last 20 payload bytes of the last frame
    const v = verifyTs(torn);
    expect(v).toMatchObject({ ok: true, trimmed: true, validBytes: videoAt[49], durationMs: 1960 });
    if (v.ok) expect(v.trimReason).toBe("last frame ends in zero bytes (its tail was lost)");
    // The same file whole is kept whole.
    expect(verifyTs(bytes)).toMatchObject({ ok: true, trimmed: false, durationMs: 2000 });
  });

  it("keeps a stream whose encoder ends every frame with zero bytes", () => {
    const { bytes } = segment({ frames: 50, frameBytes: 2000, zeroPadded: true });
    expect(verifyTs(bytes)).toMatchObject({ ok: true, trimmed: false, durationMs: 2000 });
  });

  it("drops a last access unit that holds no picture (what ffmpeg writes as an RTSP source goes away)", () => {
    const { bytes } = segment({ frames: 50 });
    let videoPackets = 0; // the next PES continues the video PID's continuity count
    for (let at = 0; at < bytes.length; at += TS_PACKET_SIZE)
      if ((((bytes[at + 1]! & 0x1f) << 8) | bytes[at + 2]!) === VIDEO_PID) videoPackets++;
    const audOnly = pes(
      VIDEO_PID,
      videoPackets & 0x0f,
      0xe0,
      126_000 + 50 * FRAME_TICKS,
      [0, 0, 0, 1, 0x09, 0xf0],
    );
    const file = Uint8Array.from([...bytes, ...audOnly.flat()]);
    const v = verifyTs(file);
    expect(v).toMatchObject({
      ok: true,
      trimmed: true,
      validBytes: bytes.length,
      durationMs: 2000,
      video: { pes: 50 },
    });
    expect(v.ok && v.trimReason).toMatch(/without a picture/);
  });

  it("stops at a continuity jump (a packet lost or foreign)", () => {
    const { bytes, videoAt } = segment({ frames: 50, frameBytes: 2000 });
    const broken = Uint8Array.from(bytes);
    const at = videoAt[20]! + TS_PACKET_SIZE; // second packet of frame 20
    broken[at + 3] = (broken[at + 3]! & 0xf0) | ((broken[at + 3]! + 5) & 0x0f);
    const v = verifyTs(broken);
    expect(v).toMatchObject({ ok: true, trimmed: true, validBytes: videoAt[20], durationMs: 800 });
    if (v.ok) expect(v.trimReason).toMatch(/^continuity error on PID 256 at byte \d+/);
  });

  it("rejects what cannot be read as video, saying why", () => {
    const cases: [Uint8Array, string, RegExp][] = [
      [new Uint8Array(0), "empty", /empty/],
      [new Uint8Array(100), "not-ts", /not MPEG-TS/],
      [new Uint8Array(64 * 1024), "not-ts", /first byte 0x00/],
      [segment({ frames: 50 }).bytes.subarray(TS_PACKET_SIZE), "no-program", /PAT/],
      [segment({ frames: 50, firstIdr: false }).bytes, "no-keyframe", /not a keyframe/],
      [segment({ frames: 1 }).bytes, "too-short", /fewer than 2/],
    ];
    for (const [bytes, code, reason] of cases) {
      const v = verifyTs(bytes);
      expect(v, code).toMatchObject({ ok: false, code, bytes: bytes.length });
      if (!v.ok) expect(v.reason).toMatch(reason);
    }
    // A PAT whose CRC is wrong is not a PAT.
    const bad = Uint8Array.from(segment({ frames: 50 }).bytes);
    bad[20] = bad[20]! ^ 0x01;
    expect(verifyTs(bad)).toMatchObject({ ok: false, code: "no-program" });
  });

  it("rejects a stream with audio but no video", () => {
    const packets = [pat(), pmt([{ type: 0x0f, pid: AUDIO_PID }])];
    packets.push(...pes(AUDIO_PID, 0, 0xc0, 1000, adtsFrame(180), { bounded: true }));
    const v = verifyTs(Uint8Array.from(packets.flat()));
    expect(v).toMatchObject({ ok: false, code: "no-video" });
    if (!v.ok) expect(v.reason).toBe("no video stream (streams: aac)");
  });

  it("gives the same verdict fed in packet-aligned chunks as in one buffer", () => {
    const { bytes } = segment({ frames: 50, audio: true, frameBytes: 1500 });
    for (const torn of [bytes, bytes.subarray(0, Math.floor(bytes.length * 0.7) + 33)]) {
      const v = new TsVerifier();
      const chunk = 7 * TS_PACKET_SIZE;
      for (let i = 0; i < torn.length; i += chunk) v.push(torn.subarray(i, i + chunk));
      expect(v.finish()).toEqual(verifyTs(torn));
    }
    const v = new TsVerifier();
    v.push(bytes.subarray(0, 100));
    expect(() => v.push(bytes.subarray(100, 288))).toThrow(/last chunk/);
  });
});
