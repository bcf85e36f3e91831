import ffmpeg from "fluent-ffmpeg";
import type { FfmpegPlan } from "./ffmpeg-args";

/**
 * One ffmpeg process, as the rest of the recorder sees it: started, sent
 * signals, exited. This is the only module that knows fluent-ffmpeg (the
 * product's chosen wrapper); everything else works with this interface, and
 * tests of the supervisor can pass their own `SpawnFfmpeg`.
 */
export interface FfmpegProcess {
  /** OS process id once spawned (undefined while fluent-ffmpeg checks capabilities or if spawning failed). */
  readonly pid: number | undefined;
  /** Settles once the process is gone (never rejects). */
  readonly exited: Promise<FfmpegExit>;
  /** Sends a signal; one sent before the process exists is delivered as soon as it does. */
  signal(sig: NodeJS.Signals): void;
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when ffmpeg could not be started at all (not installed, bad arguments for fluent-ffmpeg). */
  error?: string;
}

export interface SpawnOptions {
  /** Each line ffmpeg writes to stderr. */
  onLine?: (line: string) => void;
  /** Called once with the pid when the process exists. */
  onSpawn?: (pid: number) => void;
}

export type SpawnFfmpeg = (plan: FfmpegPlan, opts?: SpawnOptions) => FfmpegProcess;

/** Starts ffmpeg for a plan through fluent-ffmpeg. */
export const spawnFfmpeg: SpawnFfmpeg = (plan, opts = {}) => {
  const command = ffmpeg();
  for (const input of plan.inputs) {
    command.input(input.url);
    // Spread so fluent-ffmpeg passes each argument verbatim (no splitting at spaces).
    if (input.options.length > 0) command.inputOptions(...input.options);
  }
  command.output(plan.output);
  if (plan.outputOptions.length > 0) command.outputOptions(...plan.outputOptions);
  spawnInOwnProcessGroup(command);
  skipCapabilityChecks(command);

  let child: import("node:child_process").ChildProcess | undefined;
  let pending: NodeJS.Signals | undefined;
  let resolveExit!: (exit: FfmpegExit) => void;
  const exited = new Promise<FfmpegExit>((resolve) => {
    resolveExit = resolve;
  });
  let settled = false;
  const settle = (exit: FfmpegExit) => {
    if (settled) return;
    settled = true;
    resolveExit(exit);
  };

  command.on("start", () => {
    const proc = (command as unknown as { ffmpegProc?: import("node:child_process").ChildProcess })
      .ffmpegProc;
    if (!proc) return;
    child = proc;
    proc.once("exit", (code, signal) => settle({ code, signal }));
    if (proc.pid !== undefined) opts.onSpawn?.(proc.pid);
    if (pending) proc.kill(pending);
  });
  if (opts.onLine) command.on("stderr", (line: string) => opts.onLine?.(line));
  // fluent-ffmpeg reports every non-zero exit as an error; the exit itself is what we report.
  command.on("error", (err: Error) => {
    if (!child) settle({ code: null, signal: null, error: err.message });
  });
  command.on("end", () => {
    if (!child) settle({ code: 0, signal: null });
  });
  command.run();

  return {
    get pid() {
      return child?.pid;
    },
    exited,
    signal(sig) {
      if (settled) return;
      if (child) {
        try {
          child.kill(sig);
        } catch {
          // Already gone: `exited` settles on its own.
        }
      } else {
        pending = sig;
      }
    },
  };
};

/**
 * ffmpeg runs in a process group of its own (`detached`, i.e. setsid), so a
 * signal meant for the whole foreground group (Ctrl-C or a hang-up in a
 * terminal, `kill -- -PGID`) reaches only the recorder, which then stops
 * ffmpeg with exactly one SIGINT. ffmpeg aborts its output on a second signal
 * and the segment being written would be lost, never listed. Under systemd
 * the unit's cgroup still holds ffmpeg, so stopping the unit reaches it.
 * fluent-ffmpeg (a finished project; its version is pinned) has no spawn
 * option for this, so its one spawning method is wrapped.
 */
function spawnInOwnProcessGroup(command: ffmpeg.FfmpegCommand): void {
  type SpawnMethod = (args: string[], options: object, ...callbacks: unknown[]) => void;
  const internals = command as unknown as { _spawnFfmpeg: SpawnMethod };
  const spawn = internals._spawnFfmpeg;
  if (typeof spawn !== "function") throw new Error("fluent-ffmpeg has no _spawnFfmpeg to wrap");
  internals._spawnFfmpeg = (args, options, ...callbacks) =>
    spawn.call(command, args, { ...options, detached: true }, ...callbacks);
}

/**
 * Before its first spawn in a process, fluent-ffmpeg runs `ffmpeg -formats`
 * and `ffmpeg -encoders` (to check the formats it was given, and to add
 * `-strict experimental` for experimental encoders). The recorder's
 * arguments are fixed by ffmpeg-args.ts for ffmpeg 5.1 and use no
 * experimental encoder, and those two runs held the first recording back by
 * 0.3 s on an idle machine and by 3 to 5 s on a loaded one, at every daemon
 * start. The arguments are built directly instead; a format ffmpeg lacks
 * still fails, in ffmpeg's own words on stderr.
 */
function skipCapabilityChecks(command: ffmpeg.FfmpegCommand): void {
  type Callback = (err: Error | null, args?: string[]) => void;
  const internals = command as unknown as {
    _prepare: (callback: Callback, readMetadata?: boolean) => void;
    _getArguments: () => string[];
  };
  if (typeof internals._prepare !== "function" || typeof internals._getArguments !== "function")
    throw new Error("fluent-ffmpeg has no _prepare/_getArguments to replace");
  internals._prepare = (callback) => {
    let args: string[];
    try {
      args = internals._getArguments();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, args);
  };
}
