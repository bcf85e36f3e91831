import { describe, expect, it } from "vitest";
import { mapLimit } from "./map-limit";

describe("mapLimit", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
  });

  it("starts no further item after one fails", async () => {
    const started: number[] = [];
    const items = Array.from({ length: 32 }, (_, i) => i);
    await expect(
      mapLimit(items, 4, async (i) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, 1));
        if (i === 1) throw new Error("day 1 failed");
        return i;
      }),
    ).rejects.toThrow("day 1 failed");
    await new Promise((r) => setTimeout(r, 20));
    // The four first items were in flight together; item 1 failed first (or with them).
    expect(started.length).toBeLessThanOrEqual(8);
  });
});
