/**
 * One piece of work per key at a time: callers asking for a key while its
 * work is running share that work's promise instead of starting their own.
 * Ten viewers opening the same cold playlist cost one listing, not ten; a
 * failure is shared too (and forgotten at once, so the next call retries).
 */
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>();

  /** `work()`'s result for `key`, joining the run already in flight when there is one. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running;
    const started = (async () => {
      try {
        return await work();
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, started);
    return started;
  }

  /** Keys with work in flight now. */
  get size(): number {
    return this.#running.size;
  }
}
