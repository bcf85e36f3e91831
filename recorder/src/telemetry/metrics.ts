import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, SOURCE_DOWN_STATES, SOURCE_STATES, type SourceState } from "@kiroku/shared";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The recorder's Prometheus metrics and health rule, in one registry per
 * daemon (never prom-client's global one, so tests and several daemons in one
 * process do not mix). Names follow Prometheus conventions (`_total` for
 * counters, base units: seconds and bytes); every per-channel series has a
 * `channel` label.
 *
 * Health (`/healthz`): unhealthy when an active channel has completed no
 * segment for `stallMs`, or has segments waiting and none uploaded for
 * `stallMs` (3 × TARGET_DURATION + 30 s by default). A channel that just
 * started gets `stallMs` of grace; disabled channels are not judged. A
 * channel whose source is down (`waiting for device`, `source unavailable`)
 * is unhealthy at once, and the reason names it and says why; the other
 * channels are judged on their own. The body always lists each channel's
 * source state. Also unhealthy while the wall clock has not been trusted for
 * CLOCK_HEALTH_GRACE_MS: "clock not synchronised", with the segments held.
 * `clock` should be monotonic: only differences of it are used.
 */
export const CLOCK_HEALTH_GRACE_MS = 5_000;

export class RecorderMetrics {
  readonly registry = new Registry();
  readonly segmentsCompleted: Counter<"channel">;
  readonly segmentsUploaded: Counter<"channel">;
  readonly uploadFailures: Counter<"channel" | "kind">;
  readonly segmentsDropped: Counter<"channel" | "reason">;
  readonly segmentsQuarantined: Counter<"channel" | "reason">;
  readonly segmentsTrimmed: Counter<"channel">;
  readonly uploadLatency: Histogram<"channel">;
  readonly uploadBytes: Counter<"channel">;
  readonly queueSegments: Gauge<"channel">;
  readonly queueBytes: Gauge<"channel">;
  readonly ffmpegRestarts: Counter<"channel">;
  readonly lastSegmentAge: Gauge<"channel">;
  readonly lastUploadAge: Gauge<"channel">;
  readonly uploadState: Gauge;
  readonly spoolBytes: Gauge;
  readonly diskFreeBytes: Gauge;
  readonly clockSynchronised: Gauge;
  readonly segmentsHeld: Gauge;
  readonly sourceState: Gauge<"channel" | "state">;
  private readonly channels = new Map<string, ChannelHealth>();

  constructor(
    private readonly opts: {
      stallMs: number;
      clock?: () => number;
      /** Queue depth per channel, read at scrape time. */
      queue?: (channel: string) => { segments: number; bytes: number };
      /** Add Node process metrics (CPU, memory, event loop). Default true. */
      processMetrics?: boolean;
      /** Whether the wall clock is trusted, for how long it has not been, and the segments held meanwhile. */
      timeTrust?: () => { trusted: boolean; untrustedForMs: number; held: number };
    },
  ) {
    const registers = [this.registry];
    const clock = () => (this.opts.clock ?? Date.now)();
    this.segmentsCompleted = new Counter({
      name: "kiroku_segments_completed_total",
      help: "Segments ffmpeg completed and handed to the uploader.",
      labelNames: ["channel"],
      registers,
    });
    this.segmentsUploaded = new Counter({
      name: "kiroku_segments_uploaded_total",
      help: "Segments confirmed in the bucket.",
      labelNames: ["channel"],
      registers,
    });
    this.uploadBytes = new Counter({
      name: "kiroku_uploaded_bytes_total",
      help: "Bytes of segments confirmed in the bucket.",
      labelNames: ["channel"],
      registers,
    });
    this.uploadFailures = new Counter({
      name: "kiroku_segment_upload_failures_total",
      help: "Failed upload attempts (the segment stays spooled and is retried), by kind: store (network, 5xx, throttling), permanent (credentials, bucket), item.",
      labelNames: ["channel", "kind"],
      registers,
    });
    this.segmentsDropped = new Counter({
      name: "kiroku_segments_dropped_total",
      help: "Segments deleted from the spool before upload to keep the disk from filling (data lost).",
      labelNames: ["channel", "reason"],
      registers,
    });
    this.segmentsQuarantined = new Counter({
      name: "kiroku_segments_quarantined_total",
      help: "Segment files that were not decodable video (reason: empty, not-ts, no-program, no-video, no-keyframe, too-short), moved to quarantine/ and never uploaded.",
      labelNames: ["channel", "reason"],
      registers,
    });
    this.segmentsTrimmed = new Counter({
      name: "kiroku_segments_trimmed_total",
      help: "Torn segment files cut to their last complete frame and keyed with their true duration.",
      labelNames: ["channel"],
      registers,
    });
    this.uploadLatency = new Histogram({
      name: "kiroku_upload_latency_seconds",
      help: "Segment complete to object confirmed in the bucket.",
      labelNames: ["channel"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.queueSegments = new Gauge({
      name: "kiroku_upload_queue_segments",
      help: "Segments in the spool waiting for upload (including those in flight).",
      labelNames: ["channel"],
      registers,
      collect: () => this.collectQueue(),
    });
    this.queueBytes = new Gauge({
      name: "kiroku_upload_queue_bytes",
      help: "Bytes of segments in the spool waiting for upload.",
      labelNames: ["channel"],
      registers,
    });
    this.ffmpegRestarts = new Counter({
      name: "kiroku_ffmpeg_restarts_total",
      help: "ffmpeg processes restarted after an exit or a stall.",
      labelNames: ["channel"],
      registers,
    });
    const ageGauge = (name: string, help: string, pick: (h: ChannelHealth) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["channel"],
        registers,
        collect() {
          self.ageCollect(this, pick, clock());
        },
      });
    const self = this;
    this.lastSegmentAge = ageGauge(
      "kiroku_last_segment_age_seconds",
      "Seconds since the channel last completed a segment (since start when none yet).",
      (h) => h.lastCompletedMs,
    );
    this.lastUploadAge = ageGauge(
      "kiroku_last_upload_age_seconds",
      "Seconds since a segment of the channel was last confirmed in the bucket (since start when none yet).",
      (h) => h.lastUploadedMs,
    );
    this.uploadState = new Gauge({
      name: "kiroku_upload_state",
      help: "Uploader health: 0 ok, 1 retrying (store failing), 2 error (credentials or bucket wrong).",
      registers,
    });
    this.spoolBytes = new Gauge({
      name: "kiroku_spool_bytes",
      help: "Bytes in the spool folder (all channels, all sub-folders).",
      registers,
    });
    this.diskFreeBytes = new Gauge({
      name: "kiroku_spool_disk_free_bytes",
      help: "Free bytes on the spool's file system.",
      registers,
    });
    this.clockSynchronised = new Gauge({
      name: "kiroku_clock_synchronised",
      help: "1 once the wall clock is trusted (synchronised and past the release date), 0 while segments are held for it.",
      registers,
      collect() {
        const t = self.opts.timeTrust?.();
        if (t) this.set(t.trusted ? 1 : 0);
      },
    });
    this.segmentsHeld = new Gauge({
      name: "kiroku_segments_held",
      help: "Segments recorded while the clock is not trusted, held in the spool until it is (not uploaded).",
      registers,
      collect() {
        const t = self.opts.timeTrust?.();
        if (t) this.set(t.held);
      },
    });
    this.sourceState = new Gauge({
      name: "kiroku_channel_source_state",
      help: `What each channel's capture side is doing: 1 for the current state, 0 for the others (${SOURCE_STATES.join(", ")}).`,
      labelNames: ["channel", "state"],
      registers,
    });
    if (opts.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "kiroku_" });
  }

  /** Starts judging a channel (its grace period starts now). */
  addChannel(channel: string): void {
    const now = (this.opts.clock ?? Date.now)();
    if (!this.channels.has(channel))
      this.channels.set(channel, { lastCompletedMs: now, lastUploadedMs: now, active: true });
    for (const c of [
      this.segmentsCompleted,
      this.segmentsUploaded,
      this.ffmpegRestarts,
      this.segmentsTrimmed,
    ])
      c.inc({ channel }, 0);
  }

  /** Disabled or stopped channels are not judged by /healthz. */
  setActive(channel: string, active: boolean): void {
    const h = this.channel(channel);
    if (active && !h.active) {
      const now = (this.opts.clock ?? Date.now)();
      h.lastCompletedMs = Math.max(h.lastCompletedMs, now);
      h.lastUploadedMs = Math.max(h.lastUploadedMs, now);
      h.sourceState = undefined; // the new recorder reports its own
      h.sourceReason = undefined;
    }
    h.active = active;
  }

  /** The capture side's state of a channel (and why, when its source is down). */
  setSourceState(channel: string, state: SourceState, reason?: string): void {
    const h = this.channel(channel);
    h.sourceState = state;
    h.sourceReason = reason;
    for (const s of SOURCE_STATES) this.sourceState.set({ channel, state: s }, s === state ? 1 : 0);
  }

  segmentCompleted(channel: string): void {
    this.segmentsCompleted.inc({ channel });
    this.channel(channel).lastCompletedMs = (this.opts.clock ?? Date.now)();
  }

  segmentUploaded(channel: string, latencyMs: number, bytes: number): void {
    this.segmentsUploaded.inc({ channel });
    this.uploadBytes.inc({ channel }, bytes);
    this.uploadLatency.observe({ channel }, latencyMs / 1000);
    this.channel(channel).lastUploadedMs = (this.opts.clock ?? Date.now)();
  }

  /** The health verdict and its reasons. */
  health(): { healthy: boolean; reasons: string[] } {
    const now = (this.opts.clock ?? Date.now)();
    const reasons: string[] = [];
    const limit = Math.round(this.opts.stallMs / 1000);
    const t = this.opts.timeTrust?.();
    if (t && !t.trusted && t.untrustedForMs >= CLOCK_HEALTH_GRACE_MS) {
      reasons.push(
        `clock not synchronised for ${Math.round(t.untrustedForMs / 1000)} s: ${t.held} segments held in the spool, nothing keyed or uploaded until it is`,
      );
    }
    for (const [channel, h] of this.channels) {
      if (!h.active) continue;
      const sinceCompleted = now - h.lastCompletedMs;
      if (h.sourceState && SOURCE_DOWN_STATES.includes(h.sourceState)) {
        reasons.push(
          `${channel}: not recording: ${h.sourceState}${h.sourceReason ? ` (${h.sourceReason})` : ""}`,
        );
      } else if (sinceCompleted > this.opts.stallMs) {
        reasons.push(
          `${channel}: no segment completed for ${Math.round(sinceCompleted / 1000)} s (limit ${limit} s)`,
        );
      }
      const waiting = this.opts.queue?.(channel).segments ?? 0;
      const sinceUploaded = now - h.lastUploadedMs;
      if (waiting > 0 && sinceUploaded > this.opts.stallMs) {
        reasons.push(
          `${channel}: ${waiting} segments waiting and none uploaded for ${Math.round(sinceUploaded / 1000)} s (limit ${limit} s)`,
        );
      }
    }
    return { healthy: reasons.length === 0, reasons };
  }

  /** Each channel's source state as /healthz lists it (`disabled` for channels not judged). */
  channelStates(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [channel, h] of this.channels)
      out[channel] = h.active ? (h.sourceState ?? "connecting") : "disabled";
    return out;
  }

  /** Prometheus text exposition of everything. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private channel(channel: string): ChannelHealth {
    let h = this.channels.get(channel);
    if (!h) {
      this.addChannel(channel);
      h = this.channels.get(channel)!;
    }
    return h;
  }

  private collectQueue(): void {
    if (!this.opts.queue) return;
    for (const channel of this.channels.keys()) {
      const q = this.opts.queue(channel);
      this.queueSegments.set({ channel }, q.segments);
      this.queueBytes.set({ channel }, q.bytes);
    }
  }

  private ageCollect(g: Gauge<"channel">, pick: (h: ChannelHealth) => number, now: number): void {
    for (const [channel, h] of this.channels)
      g.set({ channel }, Math.max(0, (now - pick(h)) / 1000));
  }
}

interface ChannelHealth {
  lastCompletedMs: number;
  lastUploadedMs: number;
  active: boolean;
  sourceState?: SourceState;
  sourceReason?: string;
}

/** A running /metrics + /healthz server. */
export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /healthz` (200
 * `{"status":"ok"}` or 503 `{"status":"unhealthy","reasons":[…]}`) on
 * `host:port` (127.0.0.1 by default: metrics name channels and sizes, keep
 * them local unless asked). Port 0 picks a free port (tests); the daemon
 * does not call this at all when METRICS_PORT is 0.
 */
export async function startMetricsServer(
  metrics: RecorderMetrics,
  opts: { port: number; host?: string; log?: Logger },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (url.pathname === "/metrics") {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
        },
        (err) => {
          opts.log?.error({ err: String(err) }, "metrics collection failed");
          res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
        },
      );
      return;
    }
    if (url.pathname === "/healthz") {
      const h = metrics.health();
      res
        .writeHead(h.healthy ? 200 : 503, {
          "content-type": "application/json",
          "cache-control": "no-store",
        })
        .end(
          JSON.stringify(
            h.healthy
              ? { status: "ok", channels: metrics.channelStates() }
              : { status: "unhealthy", reasons: h.reasons, channels: metrics.channelStates() },
          ),
        );
      return;
    }
    res
      .writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { code: "NOT_FOUND", message: "try /metrics or /healthz" } }));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    port,
    url: `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
