import { FIRST_SEQ } from "@kiroku/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type LiveCandidate,
  liveHoleGraceMs,
  liveListingRange,
  selectLiveWindow,
} from "./live-window";
import { renderLivePlaylist } from "./m3u8";

const TD = 2; // seconds, as in the integration tests
const GRACE = liveHoleGraceMs(TD);
const seg = (seq: number, run: number, startMs: number, durationMs = 2_000): LiveCandidate => ({
  seq,
  run,
  startMs,
  durationMs,
});

describe("selectLiveWindow", () => {
  it("takes the newest segments in order", () => {
    const all = [0, 1, 2, 3, 4].map((i) => seg(i, 1, i * 2_000));
    expect(selectLiveWindow(all, 3, 100_000, GRACE).map((s) => s.seq)).toEqual([2, 3, 4]);
  });

  it("keeps segments across a restart when no sequence number is missing", () => {
    const all = [seg(5, 1, 0), seg(6, 1, 2_000), seg(7, 2, 9_000), seg(8, 2, 11_000)];
    expect(selectLiveWindow(all, 4, 100_000, GRACE).map((s) => s.seq)).toEqual([5, 6, 7, 8]);
  });

  it("cuts the window after a lost segment (hole older than the grace)", () => {
    const all = [seg(1, 1, 0), seg(2, 1, 2_000), seg(4, 1, 6_000), seg(5, 1, 8_000)];
    expect(selectLiveWindow(all, 3, 10_000 + GRACE + 1, GRACE).map((s) => s.seq)).toEqual([4, 5]);
  });

  it("holds the live edge before a hole whose upload may still arrive", () => {
    const all = [seg(0, 1, 0), seg(1, 1, 2_000), seg(3, 1, 6_000)];
    expect(selectLiveWindow(all, 3, 9_000, GRACE).map((s) => s.seq)).toEqual([0, 1]);
  });

  it("starts over after the sequence goes down (recorder counters lost)", () => {
    const all = [seg(40, 3, 0), seg(41, 3, 2_000), seg(0, 1, 10_000), seg(1, 1, 12_000)];
    expect(selectLiveWindow(all, 3, 100_000, GRACE).map((s) => s.seq)).toEqual([0, 1]);
  });

  it("waits out the grace before serving a chain whose predecessor is not listed", () => {
    const all = [seg(2, 1, 0), seg(3, 1, 2_000)];
    expect(selectLiveWindow(all, 3, 4_000, GRACE)).toEqual([]);
    expect(selectLiveWindow(all, 3, 2_000 + GRACE - 1, GRACE)).toEqual([]);
    expect(selectLiveWindow(all, 3, 2_000 + GRACE, GRACE).map((s) => s.seq)).toEqual([2, 3]);
  });

  it("serves a channel's very first segment at once", () => {
    expect(FIRST_SEQ).toBe(1);
    const first = [seg(FIRST_SEQ, 1, 0)];
    expect(selectLiveWindow(first, 3, 2_000, GRACE).map((s) => s.seq)).toEqual([FIRST_SEQ]);
    // Keys may carry seq 0 as well (hand-made buckets): nothing comes before it either.
    expect(selectLiveWindow([seg(0, 1, 0)], 3, 2_000, GRACE).map((s) => s.seq)).toEqual([0]);
    expect(selectLiveWindow([seg(2, 1, 0)], 3, 2_000, GRACE)).toEqual([]);
  });

  it("keeps the old chain until a restarted counter's first segment is past the grace", () => {
    const all = [seg(40, 3, 0), seg(41, 3, 2_000), seg(5, 1, 30_000)];
    expect(selectLiveWindow(all, 3, 32_000, GRACE).map((s) => s.seq)).toEqual([40, 41]);
    expect(selectLiveWindow(all, 3, 32_000 + GRACE, GRACE).map((s) => s.seq)).toEqual([5]);
  });

  it("is empty for no segments", () => {
    expect(selectLiveWindow([], 3, 0, GRACE)).toEqual([]);
  });
});

/** Media and discontinuity sequence numbers of every URI in a live playlist, as a player computes them. */
function numbering(playlist: string): Map<string, { msn: number; dsn: number }> {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
  let dsn = Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(playlist)![1]);
  const out = new Map<string, { msn: number; dsn: number }>();
  for (const line of playlist.split("\n")) {
    if (line === "#EXT-X-DISCONTINUITY") dsn++;
    else if (line !== "" && !line.startsWith("#")) out.set(line, { msn: msn++, dsn });
  }
  return out;
}

type Event =
  | { kind: "record"; drop: boolean; durationMs: number }
  | { kind: "restart"; gapMs: number }
  | { kind: "upload"; pick: number }
  | { kind: "wait"; ms: number };

const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("record" as const),
      drop: fc.nat(6).map((n) => n === 0), // about one in seven lost to a full disk
      durationMs: fc.integer({ min: 1_900, max: 2_100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("restart" as const),
      gapMs: fc.integer({ min: 0, max: 20_000 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("upload" as const), pick: fc.nat(3) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      ms: fc.integer({ min: 0, max: 15_000 }),
    }),
  },
);

/**
 * A recorder and its uploader: segments are recorded back to back, some
 * dropped (full disk), runs restart, uploads finish out of order (any of the
 * oldest four pending). With `boundedDelay`, an upload never lands later than
 * the hole grace after its segment ended (the API's assumption); without it,
 * uploads may be arbitrarily late.
 */
function simulate(events: Event[], windowSize: number, boundedDelay: boolean) {
  let now = Date.UTC(2026, 10, 22, 10, 0, 0);
  let clock = now; // recorder's next segment start
  let seq = FIRST_SEQ;
  let run = 1;
  let runUsed = false;
  const pending: LiveCandidate[] = [];
  const bucket: LiveCandidate[] = [];
  const seen = new Map<string, { msn: number; dsn: number }>();
  let lastFirstMsn = -1;
  const uri = (s: LiveCandidate) => `s${s.seq}_r${s.run}.ts`;
  const reload = () => {
    const range = liveListingRange(now, TD, windowSize);
    const listed = bucket.filter(
      (s) => s.startMs < range.endMs && s.startMs + s.durationMs > range.startMs,
    );
    const window = selectLiveWindow(listed, windowSize, now, GRACE);
    if (window.length === 0) return;
    expect(window.length).toBeLessThanOrEqual(windowSize);
    const text = renderLivePlaylist({
      entries: window.map((s) => ({ ...s, uri: uri(s) })),
      targetDurationSeconds: TD,
    });
    const numbers = numbering(text);
    for (const s of window) {
      const n = numbers.get(uri(s))!;
      // Every segment is numbered by its own seq and run...
      expect(n).toEqual({ msn: s.seq, dsn: s.run });
      // ...so it keeps the numbers it had on every earlier reload.
      const before = seen.get(uri(s));
      if (before) expect(n).toEqual(before);
      seen.set(uri(s), n);
    }
    const firstMsn = window[0]!.seq;
    if (boundedDelay) {
      expect(firstMsn).toBeGreaterThanOrEqual(lastFirstMsn);
      // Liveness: the edge only waits on holes younger than the grace, so every
      // listed segment that ended longer than the grace ago is at or behind it.
      for (const s of listed) {
        if (s.startMs + s.durationMs + GRACE <= now)
          expect(window.at(-1)!.seq).toBeGreaterThanOrEqual(s.seq);
      }
    }
    lastFirstMsn = firstMsn;
  };
  const upload = (index: number) => {
    const [s] = pending.splice(index, 1);
    if (s) bucket.push(s);
  };
  const advance = (to: number) => {
    if (boundedDelay) {
      // Uploads that would miss their deadline land before time passes it.
      for (let i = 0; i < pending.length; ) {
        const s = pending[i]!;
        if (s.startMs + s.durationMs + GRACE - 1 <= to) {
          now = Math.max(now, s.startMs + s.durationMs);
          upload(i);
          reload();
        } else i++;
      }
    }
    now = Math.max(now, to);
  };
  for (const e of events) {
    if (e.kind === "record") {
      clock = Math.max(clock, now); // a segment completes when it ends: never in the past
      const s = seg(seq++, run, clock, e.durationMs);
      runUsed = true;
      clock += e.durationMs;
      advance(clock);
      if (!e.drop) pending.push(s);
    } else if (e.kind === "restart") {
      if (runUsed) run++; // runs are numbered lazily, at their first segment
      runUsed = false;
      clock += e.gapMs;
    } else if (e.kind === "upload") {
      upload(Math.min(e.pick, pending.length - 1));
    } else {
      advance(now + e.ms);
    }
    reload();
  }
}

describe("live playlist numbering across reloads (property)", () => {
  it("never changes a segment's media or discontinuity sequence number while segments arrive, drop and runs restart", () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 120 }),
        fc.integer({ min: 1, max: 6 }),
        (events, w) => {
          simulate(events, w, false);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("never moves the first media sequence backwards when uploads land within the hole grace", () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 120 }),
        fc.integer({ min: 1, max: 6 }),
        (events, w) => {
          simulate(events, w, true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
