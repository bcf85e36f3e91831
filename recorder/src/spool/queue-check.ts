import { lstat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@kiroku/shared";
import { moveNoClobber, moveToPartial } from "./file-moves";
import {
  checkSegmentFile,
  DURATION_TOLERANCE_MS,
  type QuarantinedSegment,
  quarantineSegment,
} from "./segment-check";
import { listDir } from "./spool";
import { channelSpool, parseQueueFileName, queueFileName } from "./spool-layout";
import type { TsVerdict } from "./ts-verify";

/**
 * Start-up pass over one channel's `queue/`, before anything in it is
 * uploaded. Every file there was verified when capture keyed it, but a crash
 * or power cut may have torn it since (its last pages never reached the
 * disk), and uploading it under its name would store a broken file under a
 * key that claims its full duration. So each queue file is verified again
 * (segment-check.ts):
 *
 * - whole, and its media lasts what its name says (±50 ms): left as it is;
 * - torn: trimmed in place to its last complete frame, then renamed to the
 *   key of its true duration (same start, run and sequence number, so it
 *   can never take another segment's name). A crash between the trim and
 *   the rename is repaired the next time: the media no longer matches the
 *   name, so the file is renamed then;
 * - not video at all: moved to `quarantine/`, logged at error level.
 *
 * Files whose name is not a queue file name, and empty files, are left to
 * the queue scan (spool.ts), which parks them in `partial/`.
 *
 * Cost: every queued file is read once, in 256 KiB chunks (about 6 ms for a
 * 30 s, 8 MB segment on a server core with a warm cache; `pnpm bench verify`).
 * A large backlog after a long outage is read in full before uploads resume.
 */
export interface QueueCheck {
  /** Queue files verified. */
  checked: number;
  /** New names of torn files that were trimmed and re-keyed. */
  rekeyed: string[];
  quarantined: QuarantinedSegment[];
}

export async function checkQueue(
  spoolDir: string,
  channel: string,
  log?: Logger,
): Promise<QueueCheck> {
  const spool = channelSpool(spoolDir, channel);
  const result: QueueCheck = { checked: 0, rekeyed: [], quarantined: [] };
  for (const entry of await listDir(spool.queue)) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const ref = parseQueueFileName(channel, entry.name);
    if (!ref) continue;
    const file = path.join(spool.queue, entry.name);
    if (((await lstat(file).catch(() => undefined))?.size ?? 0) === 0) continue;
    let verdict: TsVerdict;
    try {
      verdict = await checkSegmentFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      // Unreadable now: the queue scan still finds it; the uploader's read will fail and retry.
      log?.error(
        { channel, file: entry.name, err: String(err) },
        "could not verify a queued segment",
      );
      continue;
    }
    result.checked++;
    if (!verdict.ok) {
      const from = `queue/${entry.name}`;
      try {
        result.quarantined.push(
          await quarantineSegment(spool, channel, file, `queue_${entry.name}`, from, verdict, log),
        );
      } catch (err) {
        // Left where it is would mean uploaded as if whole: better not at all.
        await unlink(file).catch(() => {});
        log?.error(
          { channel, file: entry.name, reason: verdict.reason, err: String(err) },
          "a queued segment is not decodable video and could not be quarantined; deleted",
        );
      }
      continue;
    }
    if (
      !verdict.trimmed &&
      Math.abs(verdict.durationMs - ref.durationMs) <= DURATION_TOLERANCE_MS
    ) {
      continue;
    }
    const fixed = { ...ref, durationMs: verdict.durationMs };
    const target = path.join(spool.queue, queueFileName(fixed));
    const renamed = target === file || (await renameOrDedupe(file, target));
    if (renamed === "other") {
      // Another file holds the corrected name (never the case with unique sequence numbers).
      await moveToPartial(spool, `queue_${entry.name}`, file).catch(() => {});
      log?.error(
        { channel, file: entry.name, taken: path.basename(target) },
        "torn queued segment cannot take its corrected name (another file has it); moved to partial/, not uploaded",
      );
      continue;
    }
    if (renamed !== true) continue;
    result.rekeyed.push(path.basename(target));
    log?.warn(
      {
        channel,
        file: entry.name,
        rekeyed: path.basename(target),
        durationMs: verdict.durationMs,
        namedDurationMs: ref.durationMs,
        cutBytes: verdict.bytes - verdict.validBytes,
        ...(verdict.trimReason ? { reason: verdict.trimReason } : {}),
      },
      "torn segment in the upload queue: trimmed to its last complete frame and re-keyed with its true duration",
    );
  }
  return result;
}

/**
 * Renames a queue file to its corrected name. When the target exists already
 * and is the same file (a crash between the link and the unlink of a move
 * left both names), the old name goes and the file is found under the new
 * one ("same"); a different file there is "other".
 */
async function renameOrDedupe(file: string, target: string): Promise<true | "same" | "other"> {
  try {
    await moveNoClobber(file, target);
    return true;
  } catch (err) {
    const [a, b] = await Promise.all([
      lstat(file).catch(() => undefined),
      lstat(target).catch(() => undefined),
    ]);
    if (!b) throw err;
    if (a && a.ino === b.ino && a.dev === b.dev) {
      await unlink(file).catch(() => {});
      return "same";
    }
    return "other";
  }
}
