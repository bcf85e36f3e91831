import { StorageUnavailableError } from "@kiroku/shared";
import { currentS3Work, runWithS3Work, S3Work } from "./s3-budget";
import { isStoreFailure } from "./storage-error";

interface Flight<T> {
  promise: Promise<T>;
  work: S3Work;
  /** Callers still waiting for it (Infinity once one has no request of its own). */
  interest: number;
}

/**
 * Single-flight for S3 work that several requests share (a listing, a
 * metadata read): callers asking for a key while its work runs join it
 * instead of starting their own, so ten viewers of one cold playlist cost
 * one listing, and a failure is shared too (forgotten at once, so the next
 * call retries).
 *
 * The shared work runs as its own unit of the instance's S3 budget, within
 * the read deadline, not tied to the request that happened to start it: one
 * viewer going away does not fail the listing the others wait on. It is
 * given up only once every request that joined it has gone (the client left,
 * or another of its calls failed), so nobody's work runs on for nothing;
 * and a storage failure of the shared work fails each joined request's work
 * too, stopping the rest of its fan-out (a month summary whose third day
 * fails lists no more days).
 */
export class SharedS3Flight<T> {
  readonly #running = new Map<string, Flight<T>>();

  /** `work()`'s result for `key`, joining the run already in flight when there is one. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    let flight = this.#running.get(key);
    if (!flight) {
      const shared = new S3Work(undefined, true);
      const started: Flight<T> = {
        work: shared,
        interest: 0,
        promise: Promise.resolve() as Promise<T>,
      };
      started.promise = (async () => {
        try {
          return await runWithS3Work(shared, work);
        } finally {
          shared.settle();
          this.#running.delete(key);
        }
      })();
      this.#running.set(key, started);
      flight = started;
    }
    return this.#join(flight);
  }

  /** Keys with work in flight now. */
  get size(): number {
    return this.#running.size;
  }

  async #join(flight: Flight<T>): Promise<T> {
    const parent = currentS3Work();
    if (!parent) {
      flight.interest = Number.POSITIVE_INFINITY; // no request to follow: runs to its end
      return flight.promise;
    }
    flight.interest++;
    const leave = () => {
      flight.interest--;
      if (flight.interest <= 0)
        flight.work.fail(
          parent.failed ??
            new StorageUnavailableError("every request waiting for this storage work went away", {
              code: "CLIENT_GONE",
              retryAfterSeconds: 1,
            }),
        );
    };
    if (parent.signal.aborted) leave();
    else parent.signal.addEventListener("abort", leave, { once: true });
    try {
      return await flight.promise;
    } catch (err) {
      // A failing store stops the rest of the joined request's work; so does the
      // shared work given up as unavailable (nested flights, such as the day
      // indexes of a range, see their inner failure already converted).
      if (isStoreFailure(err) || err instanceof StorageUnavailableError) parent.fail(err);
      throw err;
    } finally {
      parent.signal.removeEventListener("abort", leave);
    }
  }
}
