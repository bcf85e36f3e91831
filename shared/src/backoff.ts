/**
 * Restart delays: capped, jittered exponential backoff that resets after a
 * stable run (modelled on p-retry's calculateDelay). Pure: randomness comes in
 * as a function so tests can pin it.
 *
 *   delay(n) = min(maxMs, initialMs * factor^n) * (1 - jitter + 2 * jitter * random())
 */
export interface BackoffOptions {
  /** First delay after a failure. */
  initialMs: number;
  factor: number;
  /** No delay is longer than this (before jitter). */
  maxMs: number;
  /** Fraction of the delay randomised either way (0 to 1). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 250,
  factor: 2,
  maxMs: 10_000,
  jitter: 0.2,
};

/** The delay before restart attempt `failures` (0 for the first failure since the last stable run). */
export function backoffDelay(
  failures: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, failures));
  const spread = 1 - opts.jitter + 2 * opts.jitter * random();
  return Math.round(base * spread);
}

/** Counts consecutive failures; `stable()` (an attempt that recorded) starts over from the first delay. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = backoffDelay(this.failures, this.opts, this.random);
    this.failures++;
    return delay;
  }

  /** The last attempt was stable: the next failure waits only `initialMs`. */
  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
