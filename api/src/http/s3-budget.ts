import { AsyncLocalStorage } from "node:async_hooks";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageUnavailableError } from "@kiroku/shared";
import { isStoreFailure } from "./storage-error";

/**
 * The S3 work budget of one API instance: a bounded pool of concurrent S3
 * requests shared by every HTTP request the instance serves.
 *
 * - At most `concurrency` S3 requests are in flight at once; the others wait.
 * - Waiting calls are served round-robin between HTTP requests, so a 31-day
 *   summary (32 listings) cannot starve a playlist (1 listing).
 * - A request whose first S3 call finds `queueLimit` calls already waiting is
 *   refused at once (503 STORAGE_BUSY + Retry-After) instead of piling up;
 *   a request already under way keeps its place, so work started is not
 *   thrown away.
 * - A request that has been starved for `queueTimeoutMs` in all (calls
 *   waiting, none running) is given up (503 + Retry-After): a player
 *   waiting on an overloaded instance gets an answer it can act on. A
 *   request that is making progress (one call running while its others
 *   wait their turn) is not starved.
 * - A read request (GET, HEAD) whose S3 work has run `workTimeoutMs` since
 *   its first call, and is not done, is given up (503 + Retry-After): no
 *   read waits on storage longer than that. Writes are exempt (a purge may
 *   rightly take minutes), and so is a response body streamed after the
 *   handler returned (a clip's later segments).
 * - When one of a request's S3 calls fails because the store is failing
 *   (5xx, throttling, network), or the client goes away, the request's other
 *   calls stop: waiting ones are refused, running ones aborted, later ones
 *   never sent. Nobody will read their answers.
 *
 * Every route gets this for free: `budgetedS3Client` wraps the client's
 * `send`, and the app runs each HTTP request inside `runWithS3Work`.
 */
export interface S3BudgetOptions {
  concurrency: number;
  queueLimit: number;
  queueTimeoutMs: number;
  /** Longest a read request's S3 work may run (works created `limited`); none when unset. */
  workTimeoutMs?: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds?: number;
}

type Waiter = { resolve: () => void; reject: (err: unknown) => void };

/** The S3 work of one HTTP request: its place in the pool, its waiting time, its fate. */
export class S3Work {
  readonly #controller = new AbortController();
  readonly waiting: Waiter[] = [];
  running = 0;
  /** True once one of its calls has started: it then keeps its place past the queue limit. */
  admitted = false;
  /** Set when its work was given up: every later call fails with this. */
  failed: unknown;
  waitedMs = 0;
  waitStartedAt: number | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by the budget: takes the refused waiting calls out of its queue. */
  onDrop: ((calls: number) => void) | undefined;
  /** Set on the first call of a work with a deadline; cleared by `settle`. */
  deadline: ReturnType<typeof setTimeout> | undefined;
  #settled = false;

  /**
   * `clientSignal` aborts when the client goes away; `limited` says the
   * work is given up after the budget's work timeout (reads are, writes not).
   */
  constructor(
    clientSignal?: AbortSignal,
    readonly limited = false,
  ) {
    if (clientSignal) {
      const gone = () =>
        this.fail(
          new StorageUnavailableError("the client went away; its storage requests were stopped", {
            code: "CLIENT_GONE",
            retryAfterSeconds: 1,
          }),
        );
      if (clientSignal.aborted) gone();
      else clientSignal.addEventListener("abort", gone, { once: true });
    }
  }

  /** Aborted when the work is given up: running S3 calls listen to it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The handler is done: no deadline any more (a streamed body may still read). */
  settle(): void {
    this.#settled = true;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Gives the work up: waiting calls are refused with `err`, running ones aborted. */
  fail(err: unknown): void {
    if (this.failed !== undefined) return;
    if (this.deadline) clearTimeout(this.deadline);
    this.failed = err;
    const dropped = this.waiting.splice(0);
    this.onDrop?.(dropped.length);
    for (const w of dropped) w.reject(err);
    this.#controller.abort(err);
  }
}

const currentWork = new AsyncLocalStorage<S3Work>();

/** The unit of S3 work the caller runs in (its HTTP request's), if any. */
export function currentS3Work(): S3Work | undefined {
  return currentWork.getStore();
}

/** Runs `fn` (an HTTP request's handling) as one unit of S3 work. */
export function runWithS3Work<T>(work: S3Work, fn: () => T): T {
  return currentWork.run(work, fn);
}

export class S3Budget {
  readonly #opts: S3BudgetOptions & { retryAfterSeconds: number };
  #running = 0;
  #waitingCalls = 0;
  /** Works with waiting calls, in round-robin order. */
  readonly #ring: S3Work[] = [];

  constructor(opts: S3BudgetOptions) {
    this.#opts = { retryAfterSeconds: 1, ...opts };
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waitingCalls;
  }

  /**
   * Runs one S3 call inside the budget of the current request's work. `call`
   * gets the work's abort signal to pass on to the SDK.
   */
  async run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // A call outside any request (start-up, background) is a work of its own.
    const work = currentWork.getStore() ?? new S3Work();
    if (work.failed !== undefined) throw work.failed;
    if (this.#running < this.#opts.concurrency && this.#ring.length === 0) {
      this.#running++;
      work.running++;
    } else {
      if (!work.admitted && this.#waitingCalls >= this.#opts.queueLimit) {
        throw this.#busy(
          `this API instance has ${this.#waitingCalls} storage requests waiting (S3_QUEUE_LIMIT)`,
        );
      }
      await this.#wait(work); // on return, a slot is reserved (and counted) for this call
    }
    work.admitted = true;
    this.#startDeadline(work);
    try {
      return await call(work.signal);
    } catch (err) {
      // An aborted call reports why its work was given up, not the abort itself.
      if (work.failed !== undefined) throw work.failed;
      if (isStoreFailure(err)) work.fail(err);
      throw err;
    } finally {
      work.running--;
      this.#running--;
      this.#updateWaitClock(work);
      this.#dispatch();
    }
  }

  #wait(work: S3Work): Promise<void> {
    work.onDrop ??= (calls) => {
      this.#waitingCalls -= calls;
      const at = this.#ring.indexOf(work);
      if (at >= 0) this.#ring.splice(at, 1);
      this.#updateWaitClock(work);
    };
    return new Promise<void>((resolve, reject) => {
      work.waiting.push({ resolve, reject });
      this.#waitingCalls++;
      if (work.waiting.length === 1) this.#ring.push(work);
      this.#updateWaitClock(work);
    });
  }

  /** Hands free slots to waiting calls, one work at a time in turn. */
  #dispatch(): void {
    while (this.#running < this.#opts.concurrency && this.#ring.length > 0) {
      const work = this.#ring.shift()!;
      const waiter = work.waiting.shift()!;
      this.#waitingCalls--;
      if (work.waiting.length > 0) this.#ring.push(work);
      work.running++;
      this.#updateWaitClock(work);
      this.#running++;
      waiter.resolve();
    }
  }

  /** Starts or stops a work's starvation clock: it runs while the work has calls waiting and none running. */
  #updateWaitClock(work: S3Work): void {
    const starved = work.failed === undefined && work.waiting.length > 0 && work.running === 0;
    if (starved && work.waitStartedAt === undefined) this.#startWaitClock(work);
    else if (!starved && work.waitStartedAt !== undefined) this.#stopWaitClock(work);
  }

  /** Past the timeout of starvation in all, the work is given up. */
  #startWaitClock(work: S3Work): void {
    work.waitStartedAt = performance.now();
    const left = this.#opts.queueTimeoutMs - work.waitedMs;
    work.timer = setTimeout(
      () =>
        work.fail(
          this.#busy(
            `storage requests waited ${Math.round(this.#opts.queueTimeoutMs / 1000)} s for a free slot on this API instance (S3_QUEUE_TIMEOUT)`,
          ),
        ),
      Math.max(0, left),
    );
  }

  #stopWaitClock(work: S3Work): void {
    if (work.timer) clearTimeout(work.timer);
    work.timer = undefined;
    if (work.waitStartedAt !== undefined) work.waitedMs += performance.now() - work.waitStartedAt;
    work.waitStartedAt = undefined;
  }

  #startDeadline(work: S3Work): void {
    const ms = this.#opts.workTimeoutMs;
    if (!work.limited || work.settled || work.deadline || ms === undefined) return;
    work.deadline = setTimeout(
      () =>
        work.fail(
          this.#busy(
            `the storage work of this request ran longer than ${Math.round(ms / 1000)} s (S3_WORK_TIMEOUT)`,
          ),
        ),
      ms,
    );
  }

  #busy(why: string): StorageUnavailableError {
    return new StorageUnavailableError(`the API is busy: ${why}; retry shortly`, {
      code: "STORAGE_BUSY",
      retryAfterSeconds: this.#opts.retryAfterSeconds,
    });
  }
}

/**
 * The same client with every `send` run inside `budget`, the work's abort
 * signal joined to the caller's. Everything else (config, presigning,
 * middleware) is the client's own, through the prototype.
 */
export function budgetedS3Client(s3: S3Client, budget: S3Budget): S3Client {
  const send = s3.send.bind(s3) as (command: unknown, options?: unknown) => Promise<unknown>;
  const wrapped = Object.create(s3) as S3Client;
  Object.defineProperty(wrapped, "send", {
    value: (command: unknown, options?: { abortSignal?: AbortSignal }) =>
      budget.run((signal) => {
        const caller = options?.abortSignal;
        const abortSignal = caller ? AbortSignal.any([caller, signal]) : signal;
        return send(command, { ...options, abortSignal });
      }),
  });
  return wrapped;
}
