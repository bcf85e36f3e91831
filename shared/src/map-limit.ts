/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping
 * order: concurrent enough to answer fast, bounded so one request (a range
 * listing split by day, a list of channels) never floods the store. After
 * the first failure no further item is started (the answer is already that
 * failure; the calls still running finish or are aborted by their signal).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
