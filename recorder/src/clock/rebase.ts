/**
 * The arithmetic between the two time scales (clock.ts): a monotonic time
 * and a wall time name the same instant when they are the same distance from
 * a pair `(nowWall, nowMono)` sampled together.
 *
 *   wall = nowWall − (nowMono − mono)        mono = nowMono − (nowWall − wall)
 *
 * Valid only while the wall clock did not step between the instant and the
 * sample: that is why segments recorded before synchronisation keep their
 * monotonic times and are rebased with a pair sampled after it.
 */

/**
 * The floor: no wall clock reading earlier than this can be right, since
 * this version of the recorder did not exist before it (a Pi without a
 * real-time clock boots at 1970 or at its fake-hwclock time). Raise it at
 * each release; it never needs to be exact, only earlier than any real "now".
 */
export const CLOCK_FLOOR_MS = Date.UTC(2026, 10, 1); // 2026-11-01T00:00:00Z

/** The wall time of a monotonic time, given a wall/monotonic pair sampled together. */
export function monoToWall(monoMs: number, nowWall: number, nowMono: number): number {
  return nowWall - (nowMono - monoMs);
}

/** The monotonic time of a wall time, given a wall/monotonic pair sampled together. */
export function wallToMono(wallMs: number, nowWall: number, nowMono: number): number {
  return nowMono - (nowWall - wallMs);
}

/** True when a wall clock reading is not certainly wrong (at or after the floor). */
export function passesFloor(wallMs: number, floorMs: number = CLOCK_FLOOR_MS): boolean {
  return Number.isFinite(wallMs) && wallMs >= floorMs;
}
