import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { StoredSegment } from "@kiroku/shared";
import { startTestS3, type TestS3 } from "./s3";
import { type RecordingWithRestart, uploadRecordingWithRestart } from "./segments";

/** The embedded S3 server of `startTestS3` holding the standard recording. */
export interface RecordedBucket extends TestS3, RecordingWithRestart {
  movieKey: string;
  channel: string;
  /** Both runs' segments, in time order. */
  segments: StoredSegment[];
  /** A scratch folder for the suite's own files (outputs, unzipped bundles), removed by `cleanup`. */
  work: string;
}

/**
 * The fixture of the playback suites: `startTestS3` (fresh folder, server,
 * client, env, outage `stop`/`start`) with `uploadRecordingWithRestart`
 * already uploaded for `channel` (default `cam1`) under `movieKey` (default
 * `movie`). `cleanup()` in afterAll stops the server and removes both folders.
 */
export async function startRecordedBucket(opts: {
  bucket: string;
  startMs: number;
  channel?: string;
  movieKey?: string;
  segmentsPerRun?: number;
}): Promise<RecordedBucket> {
  const channel = opts.channel ?? "cam1";
  const movieKey = opts.movieKey ?? "movie";
  const work = await mkdtemp(path.join(os.tmpdir(), "kiroku-work-"));
  const s3 = await startTestS3({ bucket: opts.bucket });
  try {
    const rec = await uploadRecordingWithRestart({
      s3: s3.s3,
      bucket: opts.bucket,
      movieKey,
      channel,
      startMs: opts.startMs,
      ...(opts.segmentsPerRun === undefined ? {} : { segmentsPerRun: opts.segmentsPerRun }),
    });
    const cleanupS3 = s3.cleanup;
    return Object.assign(s3, rec, {
      movieKey,
      channel,
      segments: [...rec.run1, ...rec.run2],
      work,
      async cleanup() {
        await cleanupS3();
        await rm(work, { recursive: true, force: true });
      },
    });
  } catch (err) {
    await s3.cleanup();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}
