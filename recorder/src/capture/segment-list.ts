import { open } from "node:fs/promises";

/** One line of ffmpeg's csv segment list: a segment that ffmpeg has finished writing. */
export interface SegmentListEntry {
  /** File name inside the attempt folder. */
  name: string;
  /** Stream time of the segment's first packet, seconds. */
  startS: number;
  /** Stream time where the segment ends (the next one's start), seconds. */
  endS: number;
}

/**
 * Parses one csv line `name,start,end`. ffmpeg quotes a name that contains a
 * comma or quote (ours never do, but a foreign file in the folder must not
 * derail the recorder): returns undefined for anything that is not a line.
 */
export function parseSegmentListLine(line: string): SegmentListEntry | undefined {
  const m = /^("(?:[^"]|"")*"|[^,]*),(-?[\d.]+),(-?[\d.]+)\s*$/.exec(line);
  if (!m) return undefined;
  const rawName = m[1]!;
  const name = rawName.startsWith('"') ? rawName.slice(1, -1).replace(/""/g, '"') : rawName;
  const startS = Number(m[2]);
  const endS = Number(m[3]);
  if (name === "" || !Number.isFinite(startS) || !Number.isFinite(endS) || endS < startS)
    return undefined;
  return { name, startS, endS };
}

/**
 * Reads a csv list that ffmpeg keeps appending to, returning only whole new
 * lines on each call (a line is whole once its newline is there).
 */
export class SegmentListReader {
  private offset = 0;
  private carry = "";

  constructor(readonly file: string) {}

  async readNew(): Promise<SegmentListEntry[]> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.carry + buf.subarray(0, bytesRead).toString("utf8");
      const lines = text.split("\n");
      this.carry = lines.pop() ?? "";
      return lines.map(parseSegmentListLine).filter((e): e is SegmentListEntry => !!e);
    } finally {
      await handle.close();
    }
  }
}
