import { open } from "node:fs/promises";

/** Bytes of a segment read at most to find its first picture (a 4K keyframe fits easily). */
export const FIRST_KEYFRAME_MAX_READ = 4 * 1024 * 1024;

const TS_PACKET = 188;
const STREAM_TYPE_H264 = 0x1b;
const NAL_IDR = 5;

/**
 * The first H.264 picture of an MPEG-TS segment as an Annex B access unit
 * (start codes, with the SPS and PPS the recorder's segments carry before
 * every keyframe), when it is an IDR keyframe; undefined otherwise (another
 * codec, no PAT/PMT at the start, a segment not starting on a keyframe), so
 * the caller falls back to ffmpeg reading the file. Reads only the start of
 * the file: up to the next picture of the video stream.
 */
export async function readFirstKeyframe(file: string): Promise<Uint8Array | undefined> {
  const handle = await open(file, "r");
  try {
    // Most keyframes end within the first few hundred kilobytes: read those
    // first and double only while the picture goes on (the recorder's memory
    // is counted in megabytes).
    let buffer = new Uint8Array(256 * 1024);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      filled += bytesRead;
      const atEnd = filled < buffer.byteLength;
      const found = firstKeyframe(buffer.subarray(0, filled), atEnd);
      if (found !== "more") return found;
      if (buffer.byteLength >= FIRST_KEYFRAME_MAX_READ) return undefined;
      const bigger = new Uint8Array(buffer.byteLength * 2);
      bigger.set(buffer);
      buffer = bigger;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The first picture of the H.264 stream in `ts` (see readFirstKeyframe);
 * "more" when `ts` ends before that picture does and `complete` is false.
 */
export function firstKeyframe(ts: Uint8Array, complete = true): Uint8Array | "more" | undefined {
  let pmtPid: number | undefined;
  let videoPid: number | undefined;
  const payloads: Uint8Array[] = [];
  for (let at = 0; at + TS_PACKET <= ts.byteLength; at += TS_PACKET) {
    if (ts[at] !== 0x47) return undefined;
    const pusi = (ts[at + 1]! & 0x40) !== 0;
    const pid = ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!;
    const adaptation = (ts[at + 3]! >> 4) & 0x3;
    let start = at + 4;
    if (adaptation & 0x2) start += 1 + ts[at + 4]!;
    if (!(adaptation & 0x1) || start >= at + TS_PACKET) continue;
    const payload = ts.subarray(start, at + TS_PACKET);
    if (pid === 0 && pusi && pmtPid === undefined) {
      pmtPid = patFirstProgramPid(payload);
    } else if (pid === pmtPid && pusi && videoPid === undefined) {
      videoPid = pmtVideoPid(payload);
      if (videoPid === undefined) return undefined;
    } else if (pid === videoPid) {
      if (pusi && payloads.length > 0) return idrAccessUnit(payloads);
      if (pusi || payloads.length > 0) payloads.push(payload);
    }
  }
  if (!complete) return "more";
  return payloads.length > 0 ? idrAccessUnit(payloads) : undefined;
}

function patFirstProgramPid(payload: Uint8Array): number | undefined {
  const s = 1 + payload[0]!; // pointer field
  const sectionLength = ((payload[s + 1]! & 0x0f) << 8) | payload[s + 2]!;
  // Program entries of 4 bytes from s+8 to the CRC; program 0 is the network PID.
  for (let i = s + 8; i + 4 <= s + 3 + sectionLength - 4; i += 4) {
    const program = (payload[i]! << 8) | payload[i + 1]!;
    if (program !== 0) return ((payload[i + 2]! & 0x1f) << 8) | payload[i + 3]!;
  }
  return undefined;
}

function pmtVideoPid(payload: Uint8Array): number | undefined {
  const s = 1 + payload[0]!;
  const sectionLength = ((payload[s + 1]! & 0x0f) << 8) | payload[s + 2]!;
  const programInfoLength = ((payload[s + 10]! & 0x0f) << 8) | payload[s + 11]!;
  const end = s + 3 + sectionLength - 4;
  for (let i = s + 12 + programInfoLength; i + 5 <= end; ) {
    const streamType = payload[i]!;
    const pid = ((payload[i + 1]! & 0x1f) << 8) | payload[i + 2]!;
    const infoLength = ((payload[i + 3]! & 0x0f) << 8) | payload[i + 4]!;
    if (streamType === STREAM_TYPE_H264) return pid;
    i += 5 + infoLength;
  }
  return undefined;
}

/** The PES payload of the picture, when it holds an IDR slice. */
function idrAccessUnit(payloads: Uint8Array[]): Uint8Array | undefined {
  const pes = concat(payloads);
  if (pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return undefined;
  const es = pes.subarray(9 + pes[8]!);
  for (let i = 0; i + 3 < es.byteLength; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1 && (es[i + 3]! & 0x1f) === NAL_IDR) {
      return es;
    }
  }
  return undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
