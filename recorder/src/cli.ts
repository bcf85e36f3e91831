import {
  ConfigError,
  createLogger,
  KirokuError,
  USAGE_EXIT_CODE,
  UsageError,
} from "@kiroku/shared";
import { probeRtsp, probeV4l2, probeV4l2Devices } from "./capture/probe";
import { parseRecorderArgs, RECORDER_USAGE } from "./cli/recorder-args";
import { runDaemon } from "./daemon";
import { runLocalCapture } from "./local-capture";
import { parseRecorderConfig } from "./recorder-config";

/**
 * The recorder CLI (`pnpm recorder …`, bundled to recorder/dist/cli.js).
 * cli/recorder-args.ts turns argv into a command (usage texts there);
 * this file runs it. Exit codes: 0 done, 1 failed, 2 bad usage or
 * configuration. `--help` and `--version` read no configuration.
 */
async function main(argv: string[]): Promise<number> {
  const command = parseRecorderArgs(argv, process.env);
  if (command.kind === "help" || command.kind === "version") {
    process.stdout.write(`${command.text}\n`);
    return 0;
  }
  const stop = new AbortController();
  // A terminal's hang-up stops the recorder as gracefully as Ctrl-C or
  // systemd's SIGTERM (ffmpeg, in its own process group, never sees either).
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => stop.abort());
  }
  switch (command.kind) {
    case "run": {
      await runDaemon({
        env: process.env,
        ...(command.configFile ? { configFile: command.configFile } : {}),
        signal: stop.signal,
      });
      return 0;
    }
    case "capture": {
      const config = parseRecorderConfig(
        { ...process.env, ...command.env },
        // A one-off try of a camera: an absent device is an error now, not a wait.
        { requireDevices: true },
      );
      const log = createLogger("recorder", process.env);
      const summary = await runLocalCapture({
        channel: config.channels[0]!,
        outDir: command.outDir,
        ...(command.durationS !== undefined ? { durationS: command.durationS } : {}),
        targetDuration: config.targetDuration,
        log,
        signal: stop.signal,
      });
      if (command.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        process.stdout.write(
          `captured ${summary.segments} segment(s), ${(summary.durationMs / 1000).toFixed(3)} s, ${summary.bytes} bytes, run(s) ${summary.runs.join(", ") || "none"}, ${summary.restarts} restart(s)\n` +
            `  from ${summary.firstStart ?? "-"} to ${summary.lastEnd ?? "-"}\n  in ${summary.outDir}\n`,
        );
      }
      return summary.segments > 0 ? 0 : 1;
    }
    case "probe": {
      const results = command.url
        ? [await probeRtsp(command.url)]
        : command.device
          ? [await probeV4l2(command.device)]
          : await probeV4l2Devices();
      for (const r of results) {
        process.stdout.write(`${r.ok ? "OK  " : "FAIL"} ${r.target}\n`);
        for (const line of r.lines) process.stdout.write(`     ${line}\n`);
      }
      return results.every((r) => r.ok) ? 0 : 1;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError && err.field === "command" && err.command === "recorder")
      process.stderr.write(`${err.message}\n\n${RECORDER_USAGE}\n`);
    else if (err instanceof KirokuError) process.stderr.write(`${err.message}\n`);
    else
      process.stderr.write(
        `recorder: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    process.exit(err instanceof ConfigError || err instanceof UsageError ? USAGE_EXIT_CODE : 1);
  },
);
