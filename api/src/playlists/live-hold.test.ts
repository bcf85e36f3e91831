import { FIRST_SEQ } from "@kiroku/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideLive,
  type LiveCandidateSegment,
  type LivePolicy,
  liveHoldListingRange,
  liveMinWindowMs,
  resolveLive,
} from "./live-hold";
import { liveHoleGraceMs } from "./live-window";
import { renderLivePlaylist } from "./m3u8";

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const policy = (over: Partial<LivePolicy> = {}): LivePolicy => ({
  targetDurationSeconds: 4,
  windowSize: 3,
  idleLimitMs: 3_600_000,
  endGraceMs: 600_000,
  disabled: false,
  ...over,
});
const seg = (seq: number, run: number, startMs: number, durationMs = 4_000) => ({
  seq,
  run,
  startMs,
  durationMs,
});

/** A bucket as the route sees it: segments overlapping a start-time range, and how many listings were made. */
function bucketOf(segments: LiveCandidateSegment[]) {
  const calls: { startMs: number; endMs: number }[] = [];
  const list = async (range: { startMs: number; endMs: number }) => {
    calls.push(range);
    return segments.filter(
      (s) => s.startMs < range.endMs && s.startMs + s.durationMs > range.startMs,
    );
  };
  return { list, calls };
}

/** Ten 4 s segments of run 1, seq 1..10, from T0. */
const run1 = Array.from({ length: 10 }, (_, i) => seg(FIRST_SEQ + i, 1, T0 + i * 4_000));
const run1End = T0 + 40_000;

describe("resolveLive", () => {
  it("lists only the recent keys while the channel records", async () => {
    const b = bucketOf(run1);
    const d = await resolveLive(b.list, run1End + 1_000, policy());
    expect(d.kind).toBe("live");
    expect(b.calls).toHaveLength(1);
  });

  it("keeps serving the last window while the recorder pauses", async () => {
    const b = bucketOf(run1);
    const first = await resolveLive(b.list, run1End + 1_000, policy());
    for (const pause of [20_000, 60_000, 600_000, 3_000_000]) {
      const d = await resolveLive(b.list, run1End + pause, policy());
      expect(d.kind).toBe("live");
      if (d.kind === "not-live" || first.kind === "not-live") throw new Error("unreachable");
      expect(d.window.map((s) => s.seq)).toEqual(first.window.map((s) => s.seq));
    }
  });

  it("continues the window with the next run as soon as its first segment is listed", async () => {
    // Twenty minutes of idle, then run 2 continues the channel's sequence.
    const next = seg(11, 2, run1End + 1_200_000);
    const b = bucketOf([...run1, next]);
    const d = await resolveLive(b.list, next.startMs + next.durationMs + 100, policy());
    expect(d.kind).toBe("live");
    if (d.kind === "not-live") throw new Error("unreachable");
    expect(d.window.map((s) => s.seq)).toEqual([9, 10, 11]);
    const text = renderLivePlaylist({
      entries: d.window.map((s) => ({ ...s, uri: `s${s.seq}.ts` })),
      targetDurationSeconds: 4,
    });
    expect(text).toContain("#EXT-X-MEDIA-SEQUENCE:9\n");
    expect(text).toContain("#EXT-X-DISCONTINUITY-SEQUENCE:1\n");
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
  });

  it("grows the window past LIVE_WINDOW segments until it holds three target durations", async () => {
    // A restart leaves two short segments at the end of run 1.
    const short = [
      ...run1.slice(0, 8),
      seg(9, 1, T0 + 32_000, 1_000),
      seg(10, 1, T0 + 33_000, 500),
    ];
    const b = bucketOf(short);
    const d = await resolveLive(b.list, T0 + 34_000, policy());
    if (d.kind === "not-live") throw new Error("expected a window");
    const held = d.window.reduce((sum, s) => sum + s.durationMs, 0);
    expect(held).toBeGreaterThanOrEqual(liveMinWindowMs(4));
    expect(d.window.map((s) => s.seq)).toEqual([6, 7, 8, 9, 10]);
  });

  it("ends the playlist once the channel was idle longer than the limit, then answers not live", async () => {
    const b = bucketOf(run1);
    const p = policy({ idleLimitMs: 3_600_000, endGraceMs: 600_000 });
    expect((await resolveLive(b.list, run1End + 3_600_000, p)).kind).toBe("live");
    expect((await resolveLive(b.list, run1End + 3_600_001, p)).kind).toBe("ended");
    expect((await resolveLive(b.list, run1End + 4_200_000, p)).kind).toBe("ended");
    const dead = await resolveLive(b.list, run1End + 4_200_001, p);
    expect(dead.kind).toBe("not-live");
    if (dead.kind !== "not-live") throw new Error("unreachable");
    expect(dead.reason).toContain("nothing was recorded in the last 4200 s");
  });

  it("ends the playlist of a disabled channel with its last window", async () => {
    const b = bucketOf(run1);
    const d = await resolveLive(b.list, run1End + 1_000, policy({ disabled: true }));
    expect(d.kind).toBe("ended");
  });

  it("answers not live for a channel that never recorded", async () => {
    const d = await resolveLive(bucketOf([]).list, T0, policy());
    expect(d.kind).toBe("not-live");
  });

  it("holds a run whose predecessor is older than the hold listing for the hole grace", async () => {
    // Nothing of the channel within the idle limit, and seq 50 is not FIRST_SEQ:
    // seq 49 may still be uploading, so live waits out the grace.
    const lone = seg(50, 7, T0);
    const b = bucketOf([lone]);
    const early = await resolveLive(b.list, T0 + 5_000, policy());
    expect(early.kind).toBe("not-live");
    if (early.kind !== "not-live") throw new Error("unreachable");
    expect(early.reason).toContain("is starting");
    const late = await resolveLive(b.list, T0 + 4_000 + liveHoleGraceMs(4), policy());
    expect(late.kind).toBe("live");
  });
});

describe("liveHoldListingRange", () => {
  it("reaches back past the idle limit and the end grace", () => {
    const r = liveHoldListingRange(T0, policy());
    expect(r.startMs).toBeLessThan(T0 - 4_200_000);
    expect(r.endMs).toBeGreaterThan(T0);
  });
});

describe("decideLive", () => {
  it("answers ended for a disabled channel only while it has a window", () => {
    expect(decideLive([], 0, T0, policy({ disabled: true })).kind).toBe("not-live");
  });
});

type Event =
  | { kind: "record"; durationMs: number }
  | { kind: "restart"; gapMs: number; shortLastMs: number }
  | { kind: "upload"; pick: number }
  | { kind: "poll"; waitMs: number };

const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("record" as const),
      durationMs: fc.integer({ min: 3_900, max: 4_400 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("restart" as const),
      gapMs: fc.integer({ min: 0, max: 600_000 }),
      shortLastMs: fc.integer({ min: 100, max: 4_000 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("upload" as const), pick: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("poll" as const),
      waitMs: fc.integer({ min: 0, max: 30_000 }),
    }),
  },
);

describe("a player polling live.m3u8 through pauses and restarts", () => {
  it("once live, always gets a playlist: constant target duration, sequences never back, at least three target durations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 120 }), async (events) => {
        const p = policy();
        const grace = liveHoleGraceMs(p.targetDurationSeconds);
        let now = T0;
        let clock = T0; // the recorder's next segment start
        let seq = FIRST_SEQ;
        let run = 1;
        let runUsed = false;
        const pending: LiveCandidateSegment[] = [];
        const bucket: LiveCandidateSegment[] = [];
        const b = bucketOf(bucket);
        let wasLive = false;
        let lastMsn = -1;
        let lastDsn = -1;
        const record = (durationMs: number) => {
          pending.push(seg(seq++, run, clock, durationMs));
          runUsed = true;
          clock += durationMs;
          now = Math.max(now, clock);
        };
        // Uploads land within the grace (the API's assumption): any pending segment
        // older than that is uploaded first.
        const settle = () => {
          for (let i = pending.length - 1; i >= 0; i--) {
            const s = pending[i]!;
            if (s.startMs + s.durationMs + grace - 1_000 <= now) {
              bucket.push(s);
              pending.splice(i, 1);
            }
          }
        };
        for (const e of events) {
          if (e.kind === "record") record(e.durationMs);
          else if (e.kind === "restart") {
            record(e.shortLastMs); // the stopped run's last segment is short
            clock += e.gapMs;
            if (runUsed) run++;
            runUsed = false;
          } else if (e.kind === "upload") {
            const s = pending.splice(Math.min(e.pick, pending.length - 1), 1)[0];
            if (s) bucket.push(s);
          } else {
            now += e.waitMs;
            if (now > clock) clock = now; // the recorder idles while nothing records
          }
          settle();
          const d = await resolveLive(b.list, now, p);
          if (d.kind === "not-live") {
            // Within an idle limit of an hour nothing here ever dies.
            expect(wasLive).toBe(false);
            continue;
          }
          expect(d.kind).toBe("live");
          wasLive = true;
          const first = d.window[0]!;
          expect(first.seq).toBeGreaterThanOrEqual(lastMsn);
          expect(first.run).toBeGreaterThanOrEqual(lastDsn);
          lastMsn = first.seq;
          lastDsn = first.run;
          const held = d.window.reduce((sum, s) => sum + s.durationMs, 0);
          const predecessorListed = bucket.some((s) => s.seq === first.seq - 1);
          if (predecessorListed) {
            // Only the channel's own beginning may hold less.
            expect(held).toBeGreaterThanOrEqual(liveMinWindowMs(p.targetDurationSeconds));
            expect(d.window.length).toBeGreaterThanOrEqual(p.windowSize);
          }
          const text = renderLivePlaylist({
            entries: d.window.map((s) => ({ ...s, uri: `s${s.seq}.ts` })),
            targetDurationSeconds: p.targetDurationSeconds,
          });
          expect(text).toContain(`#EXT-X-TARGETDURATION:${p.targetDurationSeconds}\n`);
          for (const m of text.matchAll(/#EXTINF:([\d.]+),/g)) {
            expect(Math.round(Number(m[1]))).toBeLessThanOrEqual(p.targetDurationSeconds);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
