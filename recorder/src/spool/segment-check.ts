import { createHash } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import { moveNoClobber } from "./file-moves";
import type { ChannelSpool } from "./spool-layout";
import {
  TS_PACKET_SIZE,
  type TsRejectCode,
  type TsVerdict,
  TsVerifier,
  type TsVerifyOptions,
} from "./ts-verify";

/**
 * The verification step on disk: a segment file is read once, verified
 * (ts-verify.ts), and then either trimmed in place to its last complete
 * frame, or moved to the channel's `quarantine/` when it is not video at all.
 * Capture calls it on every closed segment before keying it; the queue scan
 * calls it on every file found in `queue/` at start-up (a crash may have torn
 * it after it was keyed).
 *
 * Trimming rewrites nothing: the file is truncated (then fsynced), so the
 * bytes kept are the bytes ffmpeg wrote.
 */

/** A file moved to `quarantine/`: reported in logs, metrics and the heartbeat, never uploaded. */
export interface QuarantinedSegment {
  channel: string;
  /** Its path in `quarantine/`. */
  file: string;
  /** Where it was found, for the log (`incoming/a3/seg000004.ts`, `queue/…`). */
  from: string;
  code: TsRejectCode;
  reason: string;
  bytes: number;
}

/** Read size: 1394 packets (about 256 KiB), so a segment never sits in memory whole. */
const READ_CHUNK = 1394 * TS_PACKET_SIZE;

/** Two durations closer than this describe the same media (the key's, the csv's, the media's). */
export const DURATION_TOLERANCE_MS = 50;

/**
 * Reads `file` once, in packet-aligned chunks, and verifies it; a torn tail is cut off in place (the
 * file then holds `validBytes`). Throws only when the file cannot be read or
 * truncated (the caller leaves it for the next start).
 */
export async function checkSegmentFile(file: string): Promise<TsVerdict> {
  return (await readAndCheckSegment(file)).verdict;
}

/**
 * As checkSegmentFile, also giving the SHA-256 of the file's content from the
 * same read, so the next step (the queue journal of the move into `queue/`)
 * does not read it a second time. Absent when the file was trimmed: the hash
 * of the kept part is then the caller's to take (a torn file is rare).
 */
export async function readAndCheckSegment(
  file: string,
  options: TsVerifyOptions = {},
): Promise<{ verdict: TsVerdict; sha256?: string }> {
  const fh = await open(file, "r+");
  try {
    const verifier = new TsVerifier(options);
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      // Fill the whole chunk (a read may return less), so chunks stay packet-aligned.
      let fill = 0;
      while (fill < READ_CHUNK) {
        const { bytesRead } = await fh.read(buffer, fill, READ_CHUNK - fill, null);
        if (bytesRead === 0) break;
        fill += bytesRead;
      }
      if (fill > 0) {
        hash.update(buffer.subarray(0, fill));
        verifier.push(buffer.subarray(0, fill));
      }
      if (fill < READ_CHUNK) break;
    }
    const verdict = verifier.finish();
    if (verdict.ok && verdict.trimmed) {
      await fh.truncate(verdict.validBytes);
      await fh.sync();
    }
    const whole = verdict.ok && !verdict.trimmed;
    return { verdict, ...(whole ? { sha256: hash.digest("hex") } : {}) };
  } finally {
    await fh.close();
  }
}

/**
 * Moves a rejected file into `quarantine/` as `name` (never replacing a file
 * there) and logs it at error level with the reason.
 */
export async function quarantineSegment(
  spool: ChannelSpool,
  channel: string,
  file: string,
  name: string,
  from: string,
  verdict: { code: TsRejectCode; reason: string; bytes: number },
  log?: Logger,
): Promise<QuarantinedSegment> {
  await mkdir(spool.quarantine, { recursive: true });
  const target = path.join(spool.quarantine, name);
  await moveNoClobber(file, target);
  const q: QuarantinedSegment = {
    channel,
    file: target,
    from,
    code: verdict.code,
    reason: verdict.reason,
    bytes: verdict.bytes,
  };
  log?.error(
    { channel, file: from, quarantined: target, code: q.code, reason: q.reason, bytes: q.bytes },
    `segment is not decodable video (${q.reason}); moved to quarantine/ and not uploaded`,
  );
  return q;
}
