/**
 * Reads a finished MPEG-TS segment once and says whether it is video that
 * decodes, how much of it to keep, and how long it really lasts.
 *
 * Why: a segment file that ffmpeg listed as closed may still be torn (power
 * cut before the page cache reached the SD card, a crash mid-write, a file
 * cut by hand): its tail is missing, zeroed or garbage. Uploading it under the
 * duration the csv (or its queue name) claims gives a key that lies and a
 * file that ends in decode errors. So every segment is verified before it is
 * keyed, and the key's duration comes from the media's own timestamps.
 *
 * What is checked, in one pass over the buffer (no copy, no second read):
 * - 188-byte packets, each starting with the sync byte 0x47, from byte 0;
 *   no transport-error flag; continuity counters that follow on (a jump
 *   means bytes are missing or foreign).
 * - A PAT and a PMT (with valid CRC-32) before the media, naming a video
 *   stream.
 * - The first video PES is a keyframe: the random-access indicator that
 *   ffmpeg's muxer sets on keyframes, or an IDR (H.264) / IRAP (HEVC) as the
 *   first picture of the PES.
 * - Timestamps: the first and last PTS of the video and the audio. The media
 *   end is the last frame's PTS plus its duration (video: the median PTS step;
 *   AAC: 1024 samples per ADTS frame counted in the last PES; other audio:
 *   the median PES step). Start and duration span both streams, as ffprobe's
 *   format duration does. PTS wrap-around (33 bits) is handled.
 *
 * Torn tails. Everything from the first damaged packet on (partial packet,
 * lost sync, zeros, garbage, continuity jump) is dropped, and the kept part
 * ends where every PES before it is complete, so the tail decodes cleanly:
 * - a PES is complete when its declared length is reached (ffmpeg's audio),
 *   when its last packet carries adaptation-field stuffing (ffmpeg pads the
 *   last packet of every PES, video included), or when a PES of another
 *   stream starts after it (ffmpeg's muxer writes each PES as one run of
 *   packets; PSI and PCR-only packets may sit between them). If a file
 *   interleaves PES packets of two streams, only the first two rules apply.
 * - Damage inside the file may begin inside the packet before the first
 *   bad one (a lost 4 KiB block does not start on a packet), so that packet
 *   is dropped too. A file that merely ends early (cut on or inside a packet)
 *   keeps every whole packet.
 * - An H.264/HEVC frame ends with its last NAL unit's stop bit, an AAC frame
 *   with its END element, so a stream's last frame that ends in a zero byte
 *   (when no earlier frame of it does: some encoders pad every frame) lost
 *   its tail inside a packet's payload, where no header shows it: it is
 *   dropped.
 * - A video PES whose payload exactly fills its last packet and ends the
 *   file cannot be told from a cut one: it is dropped (one frame, about
 *   1 in 184 video-only files), unless the file is known closed by its
 *   writer (TsVerifyOptions.closedByWriter: a segment ffmpeg listed to the
 *   running recorder).
 *
 * Rejected (never to be uploaded as video): empty, not TS from byte 0, no
 * PAT/PMT, no video stream (audio only), the first video frame not a
 * keyframe, fewer than two complete video frames.
 *
 * The recorder's files are written by ffmpeg's mpegts muxer (H.264 video,
 * AAC audio); the rules above rely on it only where marked.
 */

/** Size of one transport-stream packet. */
export const TS_PACKET_SIZE = 188;
/** MPEG-TS timestamps tick at 90 kHz. */
export const PTS_HZ = 90_000;

/** Why a file is not a segment (a stable label for metrics and logs). */
export type TsRejectCode =
  | "empty"
  | "not-ts"
  | "no-program"
  | "no-video"
  | "no-keyframe"
  | "too-short";

/** One elementary stream's span in the kept part of the file. */
export interface TsStreamSpan {
  pid: number;
  /** PMT stream type (0x1b H.264, 0x24 HEVC, 0x0f AAC, …). */
  streamType: number;
  codec: string;
  /** First PTS (90 kHz, 33-bit value as in the file). */
  firstPts: number;
  /** Ticks from `firstPts` to the end of the last frame. */
  spanTicks: number;
  /** Complete PES packets kept (a video PES is one frame). */
  pes: number;
}

/** A segment that decodes: keep its first `validBytes` bytes, key it with `durationMs`. */
export interface TsAccepted {
  ok: true;
  /** Bytes given. */
  bytes: number;
  /** Bytes to keep (a multiple of 188; equals `bytes` when nothing was torn). */
  validBytes: number;
  /** `validBytes < bytes`. */
  trimmed: boolean;
  /** What was cut, for the log: "lost sync at byte 1028160; incomplete last PES dropped". */
  trimReason?: string;
  /** Earliest PTS over video and audio (90 kHz, 33-bit). */
  startPts: number;
  /** Media duration over video and audio, from `startPts` to the end of the last frame. */
  durationMs: number;
  video: TsStreamSpan;
  audio?: TsStreamSpan;
}

/** A file that cannot be read as video. */
export interface TsRejected {
  ok: false;
  code: TsRejectCode;
  /** What was wrong, in words (for the error log). */
  reason: string;
  bytes: number;
}

export type TsVerdict = TsAccepted | TsRejected;

export interface TsVerifyOptions {
  /**
   * The file was closed by its writer within this boot and read since (ffmpeg
   * listed it as closed to the running recorder): no power cut can have torn
   * it, so a last video PES whose payload exactly fills the last packet is
   * whole, not cut. Without it (recovery after a crash, the queue check) that
   * PES cannot be told from a cut one and is dropped. Damage the file shows
   * is handled the same either way.
   */
  closedByWriter?: boolean;
}

const SYNC = 0x47;
const PTS_WRAP = 2 ** 33;
const HALF_WRAP = 2 ** 32;
const PID_PAT = 0;
const PID_NULL = 0x1fff;
/** Service description table: ffmpeg's muxer writes it beside the PAT. */
const PID_SDT = 0x11;

const VIDEO_TYPES: Record<number, string> = {
  1: "mpeg1video",
  2: "mpeg2video",
  16: "mpeg4",
  27: "h264",
  36: "hevc",
};
const AUDIO_TYPES: Record<number, string> = {
  3: "mp3",
  4: "mp2",
  15: "aac",
  17: "aac_latm",
  129: "ac3",
  135: "eac3",
};
/** Codecs whose frames never end in a zero byte as encoders write them (see finish). */
const ENDS_NONZERO = new Set(["h264", "hevc", "aac"]);
const ADTS_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

interface EsState {
  pid: number;
  streamType: number;
  kind: "video" | "audio" | "other";
  codec: string;
  cc: number;
  /** A PES has started and is not known complete. */
  open: boolean;
  /** Whole PES size (6-byte header + PES_packet_length), 0 when unbounded. */
  pesSize: number;
  pesGot: number;
  /** Per PES: offset of its first packet, its PTS (unwrapped, NaN when absent), AAC frames. */
  offsets: number[];
  pts: number[];
  frames: number[];
  sampleRate: number;
  adtsSkip: number;
  adtsHdr: Uint8Array;
  adtsFill: number;
  adtsBroken: boolean;
  /** First video PES: keyframe by RAI, by NAL scan, or not yet known. */
  keyframe?: boolean;
  /** Per video PES: a picture (a VCL NAL unit) was found in it. */
  pictures: boolean[];
  /** Per PES: its payload (so far) ends in a zero byte. */
  zeroEnds: boolean[];
  nalZeros: number;
  nalNext: boolean;
}

/**
 * Verifies one MPEG-TS segment held in memory (see the module comment).
 * Pure; never throws. For a file, TsVerifier reads it in chunks instead.
 */
export function verifyTs(data: Uint8Array, options: TsVerifyOptions = {}): TsVerdict {
  const v = new TsVerifier(options);
  v.push(data);
  return v.finish();
}

/**
 * The same verification fed in chunks, so a file is read once through a
 * small buffer instead of whole into memory. Every chunk but the last must be
 * a multiple of 188 bytes long (packets never straddle two chunks).
 */
export class TsVerifier {
  private bytes = 0;
  /** Bytes of whole packets read (up to the stop). */
  private whole = 0;
  /** The bytes where the first two packets must start (0x47 both). */
  private first = -1;
  private second = -1;
  private pmtPid = -1;
  private patCc = -1;
  private pmtCc = -1;
  private readonly es = new Map<number, EsState>();
  private refPts = Number.NaN;
  private stop: string | undefined;
  private interleaved = false;
  private openCount = 0;
  private cleanCut = 0;
  private tail = 0;
  /** cleanCut and openCount as they were before the last whole packet was read. */
  private cleanCutBeforeLast = 0;
  private openCountBeforeLast = 0;

  constructor(private readonly options: TsVerifyOptions = {}) {}

  /** Feeds the next bytes of the file. */
  push(chunk: Uint8Array): void {
    if (this.tail > 0) throw new Error("TsVerifier: only the last chunk may end inside a packet");
    const base = this.bytes;
    if (base === 0 && chunk.length > 0) this.first = chunk[0]!;
    if (base <= TS_PACKET_SIZE && base + chunk.length > TS_PACKET_SIZE) {
      this.second = chunk[TS_PACKET_SIZE - base]!;
    }
    this.bytes += chunk.length;
    let off = 0;
    for (; off + TS_PACKET_SIZE <= chunk.length; off += TS_PACKET_SIZE) {
      if (this.stop !== undefined) return;
      const cleanCut = this.cleanCut;
      const openCount = this.openCount;
      this.packet(chunk, off, base + off);
      if (this.stop === undefined) {
        this.whole = base + off + TS_PACKET_SIZE;
        this.cleanCutBeforeLast = cleanCut;
        this.openCountBeforeLast = openCount;
      } else this.distrustLastPacket();
    }
    this.tail = chunk.length - off;
  }

  /**
   * Damage found inside the file (lost sync, zeros, garbage, a broken
   * header or counter) need not start on a packet boundary: a power cut
   * loses whole 4 KiB blocks, and 4096 is not a multiple of 188. The packet
   * before the damaged one may then keep its valid header (and the stuffing
   * that marks the end of a PES) while its payload tail is lost. So that
   * packet is not trusted either: everything is as if reading had stopped
   * before it.
   */
  private distrustLastPacket(): void {
    if (this.whole === 0) return;
    this.whole -= TS_PACKET_SIZE;
    this.cleanCut = Math.min(this.cleanCutBeforeLast, this.whole);
    this.openCount = this.openCountBeforeLast;
  }

  private packet(data: Uint8Array, off: number, at: number): void {
    if (data[off] !== SYNC) {
      this.stop = `lost sync at byte ${at}`;
      return;
    }
    const b1 = data[off + 1]!;
    const b3 = data[off + 3]!;
    if (b1 & 0x80) {
      this.stop = `transport error flag at byte ${at}`;
      return;
    }
    const pusi = (b1 & 0x40) !== 0;
    const pid = ((b1 & 0x1f) << 8) | data[off + 2]!;
    const afc = (b3 >> 4) & 3;
    const cc = b3 & 0x0f;
    if (afc === 0) {
      this.stop = `invalid packet header at byte ${at}`;
      return;
    }
    let p = off + 4;
    let rai = false;
    let disc = false;
    let stuffed = false;
    if (afc & 2) {
      const afLen = data[p]!;
      if (afLen > (afc === 3 ? 182 : 183)) {
        this.stop = `invalid adaptation field at byte ${at}`;
        return;
      }
      if (afLen === 0) stuffed = true;
      else {
        const flags = data[p + 1]!;
        disc = (flags & 0x80) !== 0;
        rai = (flags & 0x40) !== 0;
        const used = 1 + (flags & 0x10 ? 6 : 0) + (flags & 0x08 ? 6 : 0) + (flags & 0x04 ? 1 : 0);
        stuffed = (flags & 0x03) === 0 && afLen > used;
      }
      p += 1 + afLen;
    }
    const end = off + TS_PACKET_SIZE;
    const hasPayload = (afc & 1) !== 0 && p < end;
    const st = this.es.get(pid);

    // Continuity: a counter that does not follow on means missing or foreign bytes.
    if (afc & 1) {
      const prev = pid === PID_PAT ? this.patCc : pid === this.pmtPid ? this.pmtCc : (st?.cc ?? -1);
      if (prev >= 0 && !disc && cc !== ((prev + 1) & 0x0f) && pid !== PID_NULL) {
        this.stop = `continuity error on PID ${pid} at byte ${at}`;
        return;
      }
      if (pid === PID_PAT) this.patCc = cc;
      else if (pid === this.pmtPid) this.pmtCc = cc;
      else if (st) st.cc = cc;
    }

    if (st && hasPayload) {
      if (pusi) {
        // A new PES starts here: every PES before it is complete (its own
        // stream's by definition, the others' by the muxer's one-run rule).
        if (!this.interleaved || this.openCount === 0) {
          this.cleanCut = at;
          for (const s of this.es.values()) s.open = false;
          this.openCount = 0;
        }
        const err = startPes(data, p, end, st, at, rai);
        if (err) {
          this.stop = `${err} at byte ${at}`;
          return;
        }
        const rawPts = st.pts[st.pts.length - 1]!;
        if (!Number.isNaN(rawPts)) {
          if (Number.isNaN(this.refPts)) this.refPts = rawPts;
          st.pts[st.pts.length - 1] = unwrap(rawPts, this.refPts);
        }
        if (!st.open) {
          st.open = true;
          this.openCount++;
        }
      } else if (st.offsets.length > 0) {
        if (!st.open) {
          // A continuation after its PES looked complete: not ffmpeg's layout, trust less.
          st.open = true;
          this.openCount++;
        }
        if (this.openCount > 1) this.interleaved = true;
        st.pesGot += end - p;
        feedPayload(data, p, end, st);
      }
      if (st.offsets.length > 0) st.zeroEnds[st.offsets.length - 1] = data[end - 1] === 0;
      if (st.open && ((st.pesSize > 0 && st.pesGot >= st.pesSize) || stuffed)) {
        st.open = false;
        this.openCount--;
      }
      return;
    }

    // Once the streams are known, a packet of a PID the muxer never writes
    // (ffmpeg: PAT, SDT, PMT, its streams, null) is foreign bytes that
    // happen to start with 0x47 (1 in 256 for garbage): damage, not a packet to skip.
    if (
      this.es.size > 0 &&
      !this.es.has(pid) &&
      pid !== PID_PAT &&
      pid !== PID_SDT &&
      pid !== PID_NULL &&
      pid !== this.pmtPid
    ) {
      this.stop = `packet of an unknown PID ${pid} at byte ${at}`;
      return;
    }
    if (this.openCount === 0) this.cleanCut = at;
    if (pusi && hasPayload && (pid === PID_PAT || pid === this.pmtPid)) {
      const section = psiSection(data, p, end);
      if (pid === PID_PAT && this.pmtPid < 0 && section && section[0] === 0x00) {
        this.pmtPid = parsePat(section);
      } else if (pid === this.pmtPid && this.es.size === 0 && section && section[0] === 0x02) {
        for (const s of parsePmt(section)) this.es.set(s.pid, s);
      }
    }
  }

  /** The verdict on everything pushed. */
  finish(): TsVerdict {
    const n = this.bytes;
    const reject = (code: TsRejectCode, reason: string): TsRejected => ({
      ok: false,
      code,
      reason,
      bytes: n,
    });
    if (n === 0) return reject("empty", "the file is empty");
    if (
      n < TS_PACKET_SIZE ||
      this.first !== SYNC ||
      (n >= 2 * TS_PACKET_SIZE && this.second !== SYNC)
    ) {
      return reject(
        "not-ts",
        `not MPEG-TS: no 188-byte packets with sync byte 0x47 from byte 0 (${n} bytes, first byte 0x${Math.max(0, this.first).toString(16).padStart(2, "0")})`,
      );
    }
    const off = this.whole;
    let stop = this.stop;
    if (stop === undefined && off < n) stop = `partial packet at the end (${n - off} bytes)`;
    if (this.openCount === 0 || (this.options.closedByWriter && stop === undefined)) {
      this.cleanCut = off;
    }
    let validBytes = this.cleanCut;
    const es = this.es;

    if (this.pmtPid < 0) return reject("no-program", "no valid PAT (program table) found");
    if (es.size === 0) return reject("no-program", "no valid PMT (stream table) found");
    const video = [...es.values()].find((s) => s.kind === "video");
    if (!video) {
      const kinds = [...es.values()].map((s) => s.codec).join(", ");
      return reject("no-video", `no video stream (streams: ${kinds || "none"})`);
    }
    const kept = (s: EsState) => {
      let k = s.offsets.length;
      while (k > 0 && s.offsets[k - 1]! >= validBytes) k--;
      return k;
    };
    if (video.offsets.length === 0) return reject("too-short", "no video frame in the file");
    // A last video PES with no picture in it (an access unit delimiter ffmpeg
    // wrote as an RTSP source went away) decodes as "missing picture": cut it.
    let pictureless = false;
    for (let k = kept(video); k > 1 && !video.pictures[k - 1]; k--) {
      validBytes = video.offsets[k - 1]!;
      pictureless = true;
    }
    // An H.264/HEVC access unit ends with a NAL unit's stop bit, an AAC frame
    // with its END element: never with a zero byte, unless the encoder pads
    // every frame with zeros. A last frame that alone ends in zeros lost its
    // tail (a power cut zeroed the last block of the file inside one packet's
    // payload, where no packet header shows it): cut it.
    let zeroTail = false;
    for (const s of es.values()) {
      if (!ENDS_NONZERO.has(s.codec)) continue;
      const k = kept(s);
      if (k > 1 && s.zeroEnds[k - 1] && !s.zeroEnds.slice(0, k - 1).includes(true)) {
        validBytes = Math.min(validBytes, s.offsets[k - 1]!);
        zeroTail = true;
      }
    }
    if (video.keyframe === false || (video.keyframe === undefined && kept(video) > 0)) {
      return reject("no-keyframe", "the first video frame is not a keyframe");
    }
    const vSpan = spanOf(video, kept(video));
    if (!vSpan) {
      return reject(
        "too-short",
        `fewer than 2 complete video frames with timestamps (${kept(video)} kept of ${video.offsets.length})`,
      );
    }
    const audio = [...es.values()].find((s) => s.kind === "audio" && s.offsets.length > 0);
    const aSpan = audio ? spanOf(audio, kept(audio)) : undefined;
    const spans = [vSpan, ...(aSpan ? [aSpan] : [])];
    const start = Math.min(...spans.map((s) => s.start));
    const endTicks = Math.max(...spans.map((s) => s.end));

    const reasons: string[] = [];
    if (stop) reasons.push(stop);
    if (zeroTail) reasons.push("last frame ends in zero bytes (its tail was lost)");
    if (pictureless) reasons.push("last video PES without a picture dropped");
    else if (!zeroTail && validBytes < off) reasons.push("incomplete last PES dropped");
    const trimmed = validBytes < n;
    return {
      ok: true,
      bytes: n,
      validBytes,
      trimmed,
      ...(trimmed ? { trimReason: reasons.join("; ") } : {}),
      startPts: mod33(start),
      durationMs: Math.round((endTicks - start) / (PTS_HZ / 1000)),
      video: toSpan(video, vSpan),
      ...(audio && aSpan ? { audio: toSpan(audio, aSpan) } : {}),
    };
  }
}

/** Parses the PES header of a packet that starts a PES; returns an error or undefined. */
function startPes(
  data: Uint8Array,
  p: number,
  end: number,
  st: EsState,
  off: number,
  rai: boolean,
): string | undefined {
  if (end - p < 9 || data[p] !== 0 || data[p + 1] !== 0 || data[p + 2] !== 1) {
    return `bad PES start on PID ${st.pid}`;
  }
  const len = (data[p + 4]! << 8) | data[p + 5]!;
  const flags2 = data[p + 7]!;
  const hdrLen = data[p + 8]!;
  const payload = p + 9 + hdrLen;
  if (payload > end) return `PES header longer than its packet on PID ${st.pid}`;
  let pts = Number.NaN;
  if (flags2 & 0x80) {
    const q = p + 9;
    pts =
      ((data[q]! >> 1) & 0x07) * 2 ** 30 +
      ((data[q + 1]! << 7) | (data[q + 2]! >> 1)) * 2 ** 15 +
      ((data[q + 3]! << 7) | (data[q + 4]! >> 1));
  }
  st.pesSize = len > 0 ? len + 6 : 0;
  st.pesGot = end - p;
  st.offsets.push(off);
  st.pts.push(pts);
  st.frames.push(0);
  st.adtsSkip = 0;
  st.adtsFill = 0;
  if (st.kind === "video") {
    // Codecs whose NAL units are not read here count as pictures.
    st.pictures.push(st.codec !== "h264" && st.codec !== "hevc");
    st.nalZeros = 0;
    st.nalNext = false;
    if (st.offsets.length === 1) st.keyframe = rai ? true : undefined;
  }
  feedPayload(data, payload, end, st);
  return undefined;
}

/**
 * Payload bytes of the current PES: count AAC frames; find the first picture
 * of each video PES (its NAL type tells whether the first PES is a keyframe).
 * The scan stops at the first picture, a few dozen bytes into the PES.
 */
function feedPayload(data: Uint8Array, from: number, to: number, st: EsState): void {
  if (st.kind === "audio" && st.codec === "aac" && !st.adtsBroken) {
    let i = from;
    while (i < to) {
      if (st.adtsSkip > 0) {
        const k = Math.min(st.adtsSkip, to - i);
        st.adtsSkip -= k;
        i += k;
        continue;
      }
      while (st.adtsFill < 7 && i < to) st.adtsHdr[st.adtsFill++] = data[i++]!;
      if (st.adtsFill < 7) break;
      const h = st.adtsHdr;
      const frameLen = ((h[3]! & 0x03) << 11) | (h[4]! << 3) | (h[5]! >> 5);
      const rate = ADTS_RATES[(h[2]! >> 2) & 0x0f];
      if (h[0] !== 0xff || (h[1]! & 0xf6) !== 0xf0 || frameLen < 7 || !rate) {
        st.adtsBroken = true;
        return;
      }
      st.sampleRate = rate;
      st.frames[st.frames.length - 1]! += (h[6]! & 0x03) + 1;
      st.adtsSkip = frameLen - 7;
      st.adtsFill = 0;
    }
    return;
  }
  const current = st.pictures.length - 1;
  if (st.kind !== "video" || current < 0 || st.pictures[current]) return;
  const hevc = st.codec === "hevc";
  for (let i = from; i < to; i++) {
    const b = data[i]!;
    if (st.nalNext) {
      st.nalNext = false;
      const type = hevc ? (b >> 1) & 0x3f : b & 0x1f;
      const vcl = hevc ? type < 32 : type >= 1 && type <= 5;
      if (vcl) {
        st.pictures[current] = true;
        if (current === 0 && st.keyframe === undefined)
          st.keyframe = hevc ? type >= 16 && type <= 23 : type === 5;
        return;
      }
    }
    if (b === 0) st.nalZeros++;
    else {
      if (b === 1 && st.nalZeros >= 2) st.nalNext = true;
      st.nalZeros = 0;
    }
  }
}

/** Start and end (unwrapped ticks) of the first `k` PES of a stream, or undefined when too few. */
function spanOf(st: EsState, k: number): { start: number; end: number; pes: number } | undefined {
  const pts = st.pts.slice(0, k).filter((v) => !Number.isNaN(v));
  if (pts.length < (st.kind === "video" ? 2 : 1)) return undefined;
  pts.sort((a, b) => a - b);
  const steps: number[] = [];
  for (let i = 1; i < pts.length; i++) if (pts[i]! > pts[i - 1]!) steps.push(pts[i]! - pts[i - 1]!);
  steps.sort((a, b) => a - b);
  const medianStep = steps.length > 0 ? steps[steps.length >> 1]! : 0;
  const last = pts[pts.length - 1]!;
  let lastDur = medianStep;
  if (st.kind === "audio" && st.codec === "aac" && !st.adtsBroken && st.sampleRate > 0) {
    // The PES with the highest PTS ends the stream; its frames give its length exactly.
    let idx = -1;
    for (let i = 0; i < k; i++) if (st.pts[i] === last) idx = i;
    const frames = idx >= 0 ? st.frames[idx]! : 0;
    if (frames > 0) lastDur = (frames * 1024 * PTS_HZ) / st.sampleRate;
  }
  if (st.kind === "video" && medianStep === 0) return undefined;
  return { start: pts[0]!, end: last + lastDur, pes: k };
}

function toSpan(st: EsState, span: { start: number; end: number; pes: number }): TsStreamSpan {
  return {
    pid: st.pid,
    streamType: st.streamType,
    codec: st.codec,
    firstPts: mod33(span.start),
    spanTicks: Math.round(span.end - span.start),
    pes: span.pes,
  };
}

/** The section of a PSI packet (after the pointer field), when it fits in the packet and its CRC holds. */
function psiSection(data: Uint8Array, p: number, end: number): Uint8Array | undefined {
  const start = p + 1 + data[p]!;
  if (start + 3 > end) return undefined;
  const len = ((data[start + 1]! & 0x0f) << 8) | data[start + 2]!;
  const stop = start + 3 + len;
  if (len < 9 || stop > end) return undefined;
  const section = data.subarray(start, stop);
  return crc32Mpeg(section) === 0 ? section : undefined;
}

/** PMT PID of the first program in a PAT section (-1 when none). */
function parsePat(s: Uint8Array): number {
  for (let i = 8; i + 4 <= s.length - 4; i += 4) {
    const program = (s[i]! << 8) | s[i + 1]!;
    if (program !== 0) return ((s[i + 2]! & 0x1f) << 8) | s[i + 3]!;
  }
  return -1;
}

/** The elementary streams of a PMT section. */
function parsePmt(s: Uint8Array): EsState[] {
  const out: EsState[] = [];
  const infoLen = ((s[10]! & 0x0f) << 8) | s[11]!;
  for (let i = 12 + infoLen; i + 5 <= s.length - 4; ) {
    const streamType = s[i]!;
    const pid = ((s[i + 1]! & 0x1f) << 8) | s[i + 2]!;
    const esInfo = ((s[i + 3]! & 0x0f) << 8) | s[i + 4]!;
    const video = VIDEO_TYPES[streamType];
    const audio = AUDIO_TYPES[streamType];
    out.push({
      pid,
      streamType,
      kind: video ? "video" : audio ? "audio" : "other",
      codec: video ?? audio ?? `type 0x${streamType.toString(16)}`,
      cc: -1,
      open: false,
      pesSize: 0,
      pesGot: 0,
      offsets: [],
      pts: [],
      frames: [],
      sampleRate: 0,
      adtsSkip: 0,
      adtsHdr: new Uint8Array(7),
      adtsFill: 0,
      adtsBroken: false,
      pictures: [],
      zeroEnds: [],
      nalZeros: 0,
      nalNext: false,
    });
    i += 5 + esInfo;
  }
  return out;
}

/** A PTS placed next to `ref`: the nearest value congruent to it modulo 2^33. */
function unwrap(pts: number, ref: number): number {
  let d = (pts - ref) % PTS_WRAP;
  if (d > HALF_WRAP) d -= PTS_WRAP;
  else if (d <= -HALF_WRAP) d += PTS_WRAP;
  return ref + d;
}

function mod33(v: number): number {
  return ((Math.round(v) % PTS_WRAP) + PTS_WRAP) % PTS_WRAP;
}

let crcTable: Uint32Array | undefined;

/** CRC-32/MPEG-2 (no reflection); 0 over a whole section including its CRC means valid. */
function crc32Mpeg(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = ((crc << 8) ^ crcTable[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc;
}
