import { runWithS3Work, S3Work } from "./s3-budget";

/**
 * Runs work that several requests share (a single-flight listing or
 * metadata read) as its own unit of S3 work: within the instance's budget
 * and the read deadline, but not tied to the request that happened to start
 * it, so that one viewer going away does not fail the listing every other
 * viewer is waiting on.
 */
export async function asSharedS3Work<T>(fn: () => Promise<T>): Promise<T> {
  const work = new S3Work(undefined, true);
  try {
    return await runWithS3Work(work, fn);
  } finally {
    work.settle();
  }
}
