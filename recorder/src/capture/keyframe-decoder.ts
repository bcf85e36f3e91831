import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/**
 * Arguments of the long-lived ffmpeg that turns H.264 keyframes (Annex B on
 * its stdin) into JPEGs of `width` on its stdout, one thread.
 */
export function keyframeDecoderArgs(width: number): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "fatal",
    "-nostdin",
    "-threads",
    "1",
    // Each picture out as soon as it is decoded (else a second one can be held back).
    "-flags",
    "low_delay",
    "-probesize",
    "32",
    "-analyzeduration",
    "0",
    "-f",
    "h264",
    "-i",
    "pipe:0",
    "-vf",
    `scale=${width}:-2:flags=fast_bilinear`,
    "-q:v",
    "5",
    "-fps_mode",
    "passthrough",
    "-flush_packets",
    "1",
    "-f",
    "image2pipe",
    "-c:v",
    "mjpeg",
    "pipe:1",
  ];
}

/**
 * Copies of each keyframe written: ffmpeg holds back one picture, at times
 * two, until more arrive, so the first copy's JPEG comes out while the
 * others wait; theirs are dropped.
 */
const COPIES = 3;

/** An H.264 access unit delimiter: it ends the picture before it for ffmpeg's parser. */
const AUD = new Uint8Array([0, 0, 0, 1, 9, 0xf0]);

interface Waiting {
  resolve: (jpeg: Uint8Array) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One ffmpeg kept running to make thumbnails: starting ffmpeg (loading its
 * two hundred shared libraries) costs about 0.25 s of CPU, decoding a 720p
 * keyframe and writing a small JPEG a few milliseconds, so a process per
 * segment spent nearly all of its 1 % of a core starting up.
 *
 * ffmpeg hands out a picture only once one or two more have arrived, so
 * each keyframe is written COPIES times: the first copy's JPEG comes back
 * at once, the others' when the next keyframe is written, and are dropped
 * (the copies decode alike, so the count cannot slip; a count that does
 * not fit this when the next keyframe comes starts a fresh ffmpeg rather
 * than risk a thumbnail under the wrong segment). Anything unexpected
 * (ffmpeg exits, no JPEG in time) fails that thumbnail and the next one
 * starts a fresh ffmpeg, as does a keyframe of other stream settings (a
 * channel of another size): channels of one camera model share one ffmpeg,
 * different ones pay its start-up at each switch. One keyframe at a time
 * (the maker's chain).
 */
export class KeyframeDecoder {
  private child: ChildProcessWithoutNullStreams | undefined;
  private out = new Uint8Array(0);
  /** JPEGs read from, and keyframes written to, the current ffmpeg. */
  private jpegs = 0;
  private sent = 0;
  private waiting: Waiting | undefined;
  /** The sequence parameter set of the stream being decoded (hex). */
  private sps: string | undefined;

  constructor(
    private readonly width: number,
    private readonly ffmpegPath = "ffmpeg",
    /** How long one JPEG may take (the first includes ffmpeg's start). */
    private readonly timeoutMs = 20_000,
  ) {}

  /** The JPEG of one H.264 keyframe (an Annex B access unit with its SPS and PPS). */
  decode(keyframe: Uint8Array): Promise<Uint8Array> {
    if (this.waiting) return Promise.reject(new Error("one keyframe at a time"));
    // Another stream's settings (size, profile): a fresh ffmpeg, whose
    // encoder is set up for the new picture size.
    const sps = parameterSet(keyframe);
    if (this.sps !== undefined && sps !== this.sps) void this.close();
    this.sps = sps;
    // After k keyframes: from the first copy of the last one to its last.
    const last = COPIES * (this.sent - 1);
    if (this.child && (this.jpegs <= last || this.jpegs > last + COPIES)) void this.close();
    const child = this.child ?? this.start();
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new Error("ffmpeg gave no JPEG in time")),
        this.timeoutMs,
      );
      this.waiting = { resolve, reject, timer };
      // The second copy's JPEG (odd count) is the one dropped.
      this.sent++;
      for (let copy = 0; copy < COPIES; copy++) {
        child.stdin.write(keyframe);
        child.stdin.write(AUD);
      }
    });
  }

  /** Ends the ffmpeg; resolves once it has exited (its CPU time is then in the recorder's children's). */
  close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return Promise.resolve();
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    child.stdin.end();
    child.kill("SIGKILL");
    return exited;
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.ffmpegPath, keyframeDecoderArgs(this.width), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.out = new Uint8Array(0);
    this.jpegs = 0;
    this.sent = 0;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 2000) stderr += d;
    });
    child.stdin.on("error", () => {}); // reported by the exit
    child.stdout.on("data", (d: Buffer) => this.take(d));
    child.on("error", (err) => this.fail(err));
    child.on("exit", (code, signal) => {
      if (this.child === child) {
        this.fail(new Error(`ffmpeg exited with ${code ?? signal}: ${stderr.trim()}`));
      }
    });
    return child;
  }

  private take(data: Buffer): void {
    const joined = new Uint8Array(this.out.byteLength + data.byteLength);
    joined.set(this.out);
    joined.set(data, this.out.byteLength);
    this.out = joined;
    for (;;) {
      const end = jpegEnd(this.out);
      if (end === undefined) return;
      const jpeg = this.out.slice(0, end);
      this.out = this.out.slice(end);
      const index = this.jpegs++;
      if (index % COPIES !== 0) continue;
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) {
        clearTimeout(waiting.timer);
        waiting.resolve(jpeg);
      }
    }
  }

  /** Fails the keyframe in progress and drops the ffmpeg: the next one starts afresh. */
  private fail(err: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    void this.close();
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(err);
    }
  }
}

/** The first SPS NAL unit of an Annex B access unit, as hex ("" when there is none). */
function parameterSet(au: Uint8Array): string {
  for (let i = 0; i + 3 < au.byteLength; i++) {
    if (au[i] !== 0 || au[i + 1] !== 0 || au[i + 2] !== 1 || (au[i + 3]! & 0x1f) !== 7) continue;
    let end = i + 3;
    while (end + 2 < au.byteLength && !(au[end] === 0 && au[end + 1] === 0 && au[end + 2] === 1)) {
      end++;
    }
    return Buffer.from(au.subarray(i + 3, end)).toString("hex");
  }
  return "";
}

/**
 * Where the first JPEG in `b` ends (after its EOI marker), or undefined
 * when it is not all there. Walks the marker segments to the scan, then
 * the scan's bytes, where 0xFF is always followed by 0x00 or a restart
 * marker, so the first other marker there is the end.
 */
export function jpegEnd(b: Uint8Array): number | undefined {
  if (b.byteLength < 2) return undefined;
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error("ffmpeg wrote something other than a JPEG");
  let i = 2;
  for (;;) {
    if (i + 4 > b.byteLength) return undefined;
    const marker = b[i + 1]!;
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    i += 2 + length;
    if (marker === 0xda) break; // start of scan
  }
  for (; i + 1 < b.byteLength; i++) {
    if (b[i] !== 0xff) continue;
    const next = b[i + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) continue;
    if (next === 0xd9) return i + 2;
  }
  return undefined;
}
