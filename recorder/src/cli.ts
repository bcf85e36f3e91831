import { parseArgs } from "node:util";
import { ConfigError, createLogger, KirokuError } from "@kiroku/shared";
import { probeRtsp, probeV4l2, probeV4l2Devices } from "./capture/probe";
import { runDaemon } from "./daemon";
import { runLocalCapture } from "./local-capture";
import { parseRecorderConfig } from "./recorder-config";

/**
 * The recorder CLI (`pnpm recorder …`, bundled to recorder/dist/cli.js):
 *
 *   run [--config FILE]                        the daemon (channels from the environment or FILE)
 *   capture --source S --out DIR [--duration SECONDS] [--segment N] [--channel NAME]
 *           [--video-size WxH] [--framerate F] [--input-format F] [--audio-device D] [--json]
 *                                              local capture, no cloud; stops after SECONDS or on Ctrl-C
 *   probe [--device /dev/videoN] [--url rtsp://…]
 *                                              list V4L2 cameras, check an RTSP URL
 */
const USAGE = `usage:
  recorder run [--config FILE]
  recorder capture --source test|/dev/videoN|rtsp://…|rtmp://ADDRESS:PORT/APP/KEY --out DIR [--duration SECONDS]
                   [--segment SECONDS] [--channel NAME] [--video-size WxH] [--framerate F]
                   [--input-format mjpeg|yuyv422|h264] [--audio-device hw:1,0] [--json]
  recorder probe [--device /dev/videoN] [--url rtsp://user:pass@host/path]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const stop = new AbortController();
  // A terminal's hang-up stops the recorder as gracefully as Ctrl-C or
  // systemd's SIGTERM (ffmpeg, in its own process group, never sees either).
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => stop.abort());
  }
  switch (command) {
    case "run": {
      const { values } = parseArgs({ args: rest, options: { config: { type: "string" } } });
      await runDaemon({
        env: process.env,
        ...(values.config ? { configFile: values.config } : {}),
        signal: stop.signal,
      });
      return 0;
    }
    case "capture": {
      const { values } = parseArgs({
        args: rest,
        options: {
          source: { type: "string" },
          out: { type: "string" },
          duration: { type: "string" },
          segment: { type: "string" },
          channel: { type: "string" },
          "video-size": { type: "string" },
          framerate: { type: "string" },
          "input-format": { type: "string" },
          "audio-device": { type: "string" },
          json: { type: "boolean" },
        },
      });
      const problems: string[] = [];
      if (!values.out) problems.push("--out is required: the folder the segments go to");
      let durationS: number | undefined;
      if (values.duration !== undefined) {
        durationS = Number(values.duration);
        if (!/^\d+(\.\d+)?$/.test(values.duration) || !(durationS > 0))
          problems.push(`--duration must be a number of seconds above 0, got "${values.duration}"`);
      }
      if (problems.length > 0) throw new ConfigError(problems, "capture options");
      const env = {
        ...process.env,
        ...(values.source ? { SOURCE: values.source } : {}),
        ...(values.channel ? { CHANNEL: values.channel } : {}),
        ...(values.segment ? { TARGET_DURATION: values.segment } : {}),
        ...(values["video-size"] ? { VIDEO_SIZE: values["video-size"] } : {}),
        ...(values.framerate ? { FRAMERATE: values.framerate } : {}),
        ...(values["input-format"] ? { INPUT_FORMAT: values["input-format"] } : {}),
        ...(values["audio-device"] ? { AUDIO_DEVICE: values["audio-device"] } : {}),
      };
      // A one-off try of a camera: an absent device is an error now, not a wait.
      const config = parseRecorderConfig(env, { requireDevices: true });
      const log = createLogger("recorder", process.env);
      const summary = await runLocalCapture({
        channel: config.channels[0]!,
        outDir: values.out!,
        ...(durationS !== undefined ? { durationS } : {}),
        targetDuration: config.targetDuration,
        log,
        signal: stop.signal,
      });
      if (values.json) {
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
      const { values } = parseArgs({
        args: rest,
        options: { device: { type: "string" }, url: { type: "string" } },
      });
      const results = values.url
        ? [await probeRtsp(values.url)]
        : values.device
          ? [await probeV4l2(values.device)]
          : await probeV4l2Devices();
      for (const r of results) {
        process.stdout.write(`${r.ok ? "OK  " : "FAIL"} ${r.target}\n`);
        for (const line of r.lines) process.stdout.write(`     ${line}\n`);
      }
      return results.every((r) => r.ok) ? 0 : 1;
    }
    default:
      process.stderr.write(`${command ? `unknown command "${command}"\n` : ""}${USAGE}\n`);
      return command === "help" || command === "--help" ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof KirokuError) process.stderr.write(`${err.message}\n`);
    else
      process.stderr.write(
        `recorder: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    process.exit(
      err instanceof ConfigError ||
        (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? 2
        : 1,
    );
  },
);
