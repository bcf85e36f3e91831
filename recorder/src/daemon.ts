// PLACEHOLDER written by the capture engineer because daemon.ts did not exist yet.
// The upload engineer owns this file: replace it wholesale (keep `runDaemon`'s
// signature or tell the capture engineer, cli.ts calls it).
import { createLogger, type Env, type Logger } from "@kiroku/shared";
import { ChannelRecorder } from "./channel-recorder";
import { parseRecorderConfig } from "./recorder-config";

export interface DaemonOptions {
  env: Env;
  configFile?: string;
  log?: Logger;
  /** Stops the daemon (the CLI aborts it on SIGTERM/SIGINT). */
  signal: AbortSignal;
}

/** Runs every configured channel until `signal` aborts, then stops them gracefully. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const log = opts.log ?? createLogger("recorder", opts.env);
  const config = parseRecorderConfig(opts.env, { configFile: opts.configFile });
  const recorders = config.channels.map(
    (channel) =>
      new ChannelRecorder({
        channel,
        spoolDir: config.spoolDir,
        targetDuration: config.targetDuration,
        log,
        onSegment: (seg) => log.info({ seg }, "segment complete (no uploader yet)"),
      }),
  );
  for (const r of recorders) r.start();
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.all(recorders.map((r) => r.stop()));
}
