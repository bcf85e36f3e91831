import { Target } from "mediabunny";

/** Writes shorter than this are copied (the muxer reuses a scratch buffer for box fields). */
const COPY_BELOW_BYTES = 16 * 1024;

/** Bytes of MP4 queued for the client before the muxer is made to wait. */
const QUEUE_BYTES = 2 * 1024 * 1024;

/**
 * A mediabunny target that hands the muxer's writes to a ReadableStream
 * without copying the frames. mediabunny's StreamTarget copies every write
 * and copies each flushed run again into one buffer: two copies of every
 * byte of video, a gigabyte of short-lived buffers for a 1 GB clip, which
 * kept the process's memory well above what it used. Here a frame's bytes
 * (fresh per packet from the demuxer) go out as they are; the small writes
 * of box fields are gathered into one buffer per flush.
 *
 * Backpressure: a flush (once per fragment) waits while more than
 * QUEUE_BYTES are queued for the client. A fragmented MP4 is written front
 * to back; the muxer only goes back, before a flush, to fill in box sizes.
 */
export class Mp4StreamTarget extends Target {
  readonly readable: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Writes since the last flush, in file order; `owned` when the bytes are our copy. */
  private pieces: { start: number; data: Uint8Array; owned: boolean }[] = [];
  /** File position of the first byte not yet sent. */
  private sent = 0;
  private end = 0;
  private drained: (() => void) | undefined;
  private cancelled: unknown;

  constructor() {
    super();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          this.drained?.();
          this.drained = undefined;
        },
        cancel: (reason) => {
          this.cancelled = reason ?? new Error("the client went away");
          this.drained?.();
        },
      },
      { highWaterMark: QUEUE_BYTES, size: (chunk) => chunk.byteLength },
    );
  }

  /** @internal mediabunny: the writer starts. */
  _start(): void {}

  /** @internal mediabunny: bytes at a file position. */
  _write(data: Uint8Array, pos: number): void {
    if (pos === this.end) {
      const owned = data.byteLength < COPY_BELOW_BYTES;
      this.pieces.push({ start: pos, data: owned ? data.slice() : data, owned });
      this.end += data.byteLength;
      return;
    }
    // The muxer goes back to fill in a box's size once its children are written.
    if (pos < this.sent || pos + data.byteLength > this.end) {
      throw new Error(
        `the MP4 muxer wrote ${data.byteLength} bytes at ${pos}, outside the unsent ${this.sent}..${this.end}`,
      );
    }
    for (const piece of this.pieces) {
      const from = Math.max(pos, piece.start);
      const to = Math.min(pos + data.byteLength, piece.start + piece.data.byteLength);
      if (from >= to) continue;
      if (!piece.owned) {
        piece.data = piece.data.slice();
        piece.owned = true;
      }
      piece.data.set(data.subarray(from - pos, to - pos), from - piece.start);
    }
  }

  /** @internal mediabunny: the writes so far may go out (after each fragment). */
  async _flush(): Promise<void> {
    if (this.cancelled !== undefined) throw this.cancelled;
    let small: Uint8Array[] = [];
    const sendSmall = () => {
      if (small.length === 0) return;
      const joined = new Uint8Array(small.reduce((n, p) => n + p.byteLength, 0));
      let at = 0;
      for (const p of small) {
        joined.set(p, at);
        at += p.byteLength;
      }
      this.controller.enqueue(joined);
      small = [];
    };
    for (const { data } of this.pieces) {
      if (data.byteLength < COPY_BELOW_BYTES) {
        small.push(data);
      } else {
        sendSmall();
        this.controller.enqueue(data);
      }
    }
    sendSmall();
    this.pieces = [];
    this.sent = this.end;
    while ((this.controller.desiredSize ?? 1) <= 0 && this.cancelled === undefined) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
  }

  /** @internal mediabunny: the file is complete. */
  async _finalize(): Promise<void> {
    await this._flush();
  }

  /** @internal mediabunny: the output was cancelled. */
  async _close(): Promise<void> {}

  /** Ends the stream after the muxer has finalized. */
  close(): void {
    if (this.cancelled === undefined) this.controller.close();
  }

  /** Ends the stream with an error (the client sees a cut-off download). */
  error(err: unknown): void {
    if (this.cancelled === undefined) this.controller.error(err);
  }
}
