import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Logger, SegmentRef } from "@kiroku/shared";
import { type CompletedSegment, oldestFirst } from "./completed-segment";
import { moveToPartial } from "./file-moves";
import { moveByLink } from "./queue-handover";
import { listDir } from "./spool";
import { type ChannelSpool, queueFileName } from "./spool-layout";

/**
 * Segments recorded while the wall clock could not be trusted
 * (clock/clock-trust.ts): `{channel}/held/`, one file per segment, named
 *
 *   {origin}_m{monoStartMs}_{durationMs}ms_r{run}_s{seq}.ts
 *   b3f2a9c1d4e5f607_m81234_2000ms_r3_s17.ts
 *
 * `origin` names the monotonic clock the start was read from (the boot id),
 * so the name alone says whether this process can still rebase it. Nothing
 * in `held/` is ever uploaded: when the clock becomes trusted each file is
 * rebased onto wall time and moved into `queue/` under its key
 * (`releaseHeld`), the same no-clobber move as any segment. A file held by
 * another boot has lost its time scale (the monotonic clock restarted with
 * the machine): it goes to `partial/`, logged at error level, never uploaded
 * under a guessed time. The disk guard may drop held files (oldest first)
 * like queued ones, so a clock that never synchronises cannot fill the disk.
 */
export interface HeldSegment extends SegmentRef {
  /** The monotonic clock `startMs` was read from. */
  origin: string;
  path: string;
  bytes: number;
}

const HELD_NAME = /^([a-z0-9]{1,40})_m(-?\d{1,16})_(\d{1,7})ms_r(\d{1,16})_s(\d{1,16})\.ts$/;

/** File name of a held segment (`startMs` on the monotonic scale of `origin`). */
export function heldFileName(origin: string, seg: Omit<SegmentRef, "channel">): string {
  if (!/^[a-z0-9]{1,40}$/.test(origin)) throw new RangeError(`bad clock origin "${origin}"`);
  for (const [name, v] of Object.entries({
    startMs: seg.startMs,
    durationMs: seg.durationMs,
    run: seg.run,
    seq: seg.seq,
  })) {
    if (!Number.isSafeInteger(v) || (name !== "startMs" && v < 0))
      throw new RangeError(`held segment ${name} must be a whole number, got ${v}`);
  }
  return `${origin}_m${seg.startMs}_${seg.durationMs}ms_r${seg.run}_s${seg.seq}.ts`;
}

/** The held segment a file name describes (without path and size), or undefined. */
export function parseHeldFileName(
  channel: string,
  name: string,
): (SegmentRef & { origin: string }) | undefined {
  const m = HELD_NAME.exec(name);
  if (!m) return undefined;
  const [startMs, durationMs, run, seq] = m.slice(2).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (![startMs, run, seq].every(Number.isSafeInteger)) return undefined;
  return { channel, origin: m[1]!, startMs, durationMs, run, seq };
}

/** The held segments of a channel, oldest first (files in `held/` with other names are ignored). */
export async function scanHeld(spool: ChannelSpool, channel: string): Promise<HeldSegment[]> {
  const out: HeldSegment[] = [];
  for (const entry of await listDir(spool.held)) {
    if (!entry.isFile()) continue;
    const ref = parseHeldFileName(channel, entry.name);
    if (!ref) continue;
    const file = path.join(spool.held, entry.name);
    const st = await lstat(file).catch(() => undefined);
    if (st) out.push({ ...ref, path: file, bytes: st.size });
  }
  return out.sort(oldestFirst);
}

export interface ReleaseOptions {
  spool: ChannelSpool;
  channel: string;
  /** The monotonic clock this process reads (files of other origins cannot be rebased). */
  origin: string;
  /** Monotonic → wall (ClockTrust.wallOf). */
  wallOf: (monoMs: number) => number;
  log: Logger;
}

/**
 * Rebases every held segment of `origin` onto wall time and moves it into
 * `queue/` under its key; parks those of other origins in `partial/`.
 * Returns the segments now queued, oldest first, for the uploader.
 */
export async function releaseHeld(opts: ReleaseOptions): Promise<CompletedSegment[]> {
  const { spool, channel, log } = opts;
  const released: CompletedSegment[] = [];
  const segments = await scanHeld(spool, channel);
  if (segments.length > 0) await mkdir(spool.queue, { recursive: true });
  for (const seg of segments) {
    const name = path.basename(seg.path);
    if (seg.origin !== opts.origin) {
      const target = await moveToPartial(spool, `held_${name}`, seg.path).catch(() => undefined);
      log.error(
        { channel, file: name, partial: target, bytes: seg.bytes },
        "segment recorded before the clock was synchronised in an earlier boot: its time cannot be known, kept in partial/ and not uploaded",
      );
      continue;
    }
    const ref: SegmentRef = {
      channel,
      startMs: Math.round(opts.wallOf(seg.startMs)),
      durationMs: seg.durationMs,
      run: seg.run,
      seq: seg.seq,
    };
    const target = path.join(spool.queue, queueFileName(ref));
    try {
      // Idempotent: a release a crash cut between link and unlink completes here.
      await moveByLink(seg.path, target, true);
    } catch (err) {
      log.error({ channel, file: name, err: String(err) }, "could not release a held segment");
      continue;
    }
    released.push({ ...ref, path: target, bytes: seg.bytes });
  }
  if (released.length > 0)
    log.info(
      { channel, segments: released.length, first: released[0]!.startMs },
      "segments recorded before the clock was synchronised are keyed by wall time now",
    );
  return released;
}
