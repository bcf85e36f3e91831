import { existsSync } from "node:fs";
import { connect } from "node:net";
import { type BackoffOptions, redactUrl } from "@kiroku/shared";
import type { SourceConfig } from "../source";

/**
 * Is a channel's source there right now? Asked before every ffmpeg attempt,
 * so that an unplugged USB camera or a camera that is off costs one
 * `stat()` or one TCP connect per retry instead of an ffmpeg start, and the
 * channel can say exactly why it is not recording.
 *
 * A source that is absent is not a configuration error: it may appear later
 * (a camera plugged in, enumerated late, powered on after the Pi). Only the
 * channel that owns it waits; the daemon and the other channels go on.
 *
 * - test: always there.
 * - V4L2: the device node exists (`/dev/videoN`).
 * - RTSP: the camera accepts a TCP connection on its port (554 by default,
 *   322 for rtsps). Anything beyond that (a wrong path, bad credentials) is
 *   left to ffmpeg, whose failure is reported with its own message.
 * - RTMP: the recorder is the listener; nothing to check (ffmpeg waits for a
 *   publisher, state `waiting for publisher`).
 */
export type SourceCheck =
  | { ok: true }
  | {
      ok: false;
      /** What the channel is doing about it (shown as its source state). */
      state: SourceWaitState;
      /** Why, and what to do; never holds credentials. */
      reason: string;
    };

/** Why a channel is waiting instead of running ffmpeg. */
export type SourceWaitState = "waiting for device" | "source unavailable";

export interface SourceCheckDeps {
  /** Does a device path exist? */
  exists?: (path: string) => boolean;
  /** Opens a TCP connection, resolving with an error code on failure (undefined when it connected). */
  tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<string | undefined>;
}

/**
 * How often an absent source is checked again: capped, jittered exponential
 * backoff from 0.5 s up to 2 s (2.4 s with jitter). A check is one syscall or
 * one TCP connect, so a short cap costs nothing and a camera that comes back
 * records within a few seconds (the issue's bar: 15 s).
 */
export const SOURCE_WAIT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  factor: 2,
  maxMs: 2_000,
  jitter: 0.2,
};

/** The longest a TCP probe of an RTSP camera may take (a host that drops SYNs never refuses). */
export const SOURCE_PROBE_TIMEOUT_MS = 3_000;

export async function checkSource(
  source: SourceConfig,
  deps: SourceCheckDeps = {},
): Promise<SourceCheck> {
  switch (source.kind) {
    case "test":
    case "rtmp":
      return { ok: true };
    case "v4l2": {
      const exists = deps.exists ?? existsSync;
      if (exists(source.device)) return { ok: true };
      return {
        ok: false,
        state: "waiting for device",
        reason: `device ${source.device} does not exist: plug the camera in (or check its number with \`pnpm recorder probe\`); recording starts when it appears`,
      };
    }
    case "rtsp": {
      const target = rtspAddress(source.url);
      if (!target) return { ok: true }; // let ffmpeg say what is wrong with it
      const probe = deps.tcpProbe ?? tcpProbe;
      const error = await probe(target.host, target.port, SOURCE_PROBE_TIMEOUT_MS);
      if (error === undefined) return { ok: true };
      return {
        ok: false,
        state: "source unavailable",
        reason: `cannot connect to the camera at ${redactUrl(target.origin)} (${error}): check that it is on and reachable; retrying`,
      };
    }
  }
}

/** Host and port an RTSP URL connects to (default ports 554, rtsps 322), or undefined when it cannot be parsed. */
export function rtspAddress(
  url: string,
): { host: string; port: number; origin: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (!u.hostname) return undefined;
  const secure = u.protocol === "rtsps:";
  const port = u.port ? Number(u.port) : secure ? 322 : 554;
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    host,
    port,
    origin: `${u.protocol}//${u.host.includes(":") ? u.host : `${u.host}:${port}`}`,
  };
}

/** One TCP connect: undefined when it connected, else the error code (`ECONNREFUSED`, `timeout`, …). */
export function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(
      () => done(`no answer within ${Math.round(timeoutMs / 1000)} s`),
      timeoutMs,
    );
    socket.once("connect", () => done(undefined));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
