import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, readdir } from "node:fs/promises";
import { redactUrl } from "@kiroku/shared";

/**
 * `pnpm recorder probe`: what cameras are there and will they work?
 * V4L2 devices are listed with their formats and sizes (`ffmpeg -f v4l2
 * -list_formats all`) and frame rates (`v4l2-ctl --list-formats-ext` when
 * installed); an RTSP URL is opened with ffprobe (TCP, with a timeout) and
 * its codecs listed. Failures are turned into a sentence that says what to do.
 */
export interface ProbeResult {
  target: string;
  ok: boolean;
  /** Human-readable findings, one per line. */
  lines: string[];
}

/** Runs a command, capturing stdout and stderr, killing it after `timeoutMs`. */
export function runTool(
  cmd: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string; missing?: boolean }> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", () => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, missing: true });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Turns ffmpeg/ffprobe's complaint about a camera into what the operator should do. */
export function explainSourceError(stderr: string, target: string): string {
  const t = stderr;
  if (/401 Unauthorized/i.test(t))
    return `${target}: wrong user name or password (401 Unauthorized): check the credentials in the URL (percent-encode special characters)`;
  if (/403 Forbidden/i.test(t)) return `${target}: the camera refused access (403 Forbidden)`;
  if (/404 Not Found/i.test(t))
    return `${target}: the camera has no stream at this path (404 Not Found): check the path in the URL (see the camera's manual)`;
  if (/Connection refused/i.test(t))
    return `${target}: connection refused: nothing listens at that host and port (wrong port, or the camera's RTSP service is off)`;
  if (/No route to host|Network is unreachable|Host is unreachable/i.test(t))
    return `${target}: host unreachable: check the address and that this machine is on the camera's network`;
  if (/timed out|Connection timed out|Operation timed out/i.test(t))
    return `${target}: no answer before the timeout: the host is unreachable or the camera is frozen`;
  if (
    /Name or service not known|Temporary failure in name resolution|Cannot assign|could not resolve/i.test(
      t,
    )
  )
    return `${target}: the host name does not resolve: check the spelling or use an IP address`;
  if (/Permission denied/i.test(t))
    return `${target}: permission denied: add this user to the video group (sudo usermod -aG video $USER) and log in again; the systemd service runs with SupplementaryGroups=video`;
  if (/Device or resource busy/i.test(t))
    return `${target}: the device is busy: another program (another recorder, a browser, motion, cheese) is using the camera; stop it first`;
  if (/No such file or directory/i.test(t)) return `${target}: no such device`;
  if (/Inappropriate ioctl|Not a video capture device|not a video capture/i.test(t))
    return `${target}: not a capture device (metadata or codec node): try the next /dev/video number`;
  const last = t.trim().split("\n").filter(Boolean).at(-1) ?? "no output";
  return `${target}: failed: ${last}`;
}

/** Parses `ffmpeg -f v4l2 -list_formats all` output into "Compressed mjpeg (Motion-JPEG): 1280x720 640x480". */
export function parseV4l2Formats(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split("\n")) {
    const m = /\]\s*(Compressed|Raw)\s*:\s+(\S+)\s+:\s+(.*?)\s+:\s*(.*)$/.exec(line);
    if (m) out.push(`${m[1]} ${m[2]} (${m[3]}): ${m[4]!.trim() || "sizes not reported"}`);
  }
  return out;
}

export async function probeV4l2(device: string): Promise<ProbeResult> {
  const lines: string[] = [];
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      target: device,
      ok: false,
      lines: [
        explainSourceError(
          code === "EACCES" ? "Permission denied" : "No such file or directory",
          device,
        ),
      ],
    };
  }
  const res = await runTool("ffmpeg", [
    "-hide_banner",
    "-f",
    "v4l2",
    "-list_formats",
    "all",
    "-i",
    device,
  ]);
  const formats = parseV4l2Formats(res.stderr);
  if (formats.length === 0)
    return { target: device, ok: false, lines: [explainSourceError(res.stderr, device)] };
  lines.push(...formats);
  const ctl = await runTool("v4l2-ctl", ["--list-formats-ext", "-d", device]);
  if (!ctl.missing && ctl.code === 0) {
    const rates = [...ctl.stdout.matchAll(/Interval:.*\((\d+(?:\.\d+)?) fps\)/g)].map((m) =>
      Number(m[1]),
    );
    if (rates.length > 0)
      lines.push(`frame rates: ${[...new Set(rates)].sort((a, b) => b - a).join(", ")} fps`);
  } else {
    lines.push("frame rates: install v4l-utils (v4l2-ctl) to list them");
  }
  const busy = await runTool(
    "ffmpeg",
    ["-hide_banner", "-f", "v4l2", "-i", device, "-frames:v", "1", "-f", "null", "-"],
    10_000,
  );
  if (busy.code !== 0) lines.push(explainSourceError(busy.stderr, device));
  return { target: device, ok: busy.code === 0, lines };
}

export async function probeV4l2Devices(): Promise<ProbeResult[]> {
  const names = (await readdir("/dev").catch(() => [] as string[]))
    .filter((n) => /^video\d+$/.test(n))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  if (names.length === 0) {
    return [
      {
        target: "/dev/video*",
        ok: false,
        lines: [
          "no V4L2 devices: plug in a USB camera (or enable the Pi camera) and check `dmesg`",
        ],
      },
    ];
  }
  const results: ProbeResult[] = [];
  for (const n of names) results.push(await probeV4l2(`/dev/${n}`));
  return results;
}

/** Opens an RTSP URL with ffprobe and lists its streams. */
export async function probeRtsp(
  url: string,
  timeoutSeconds = 5,
  transport = "tcp",
): Promise<ProbeResult> {
  const target = redactUrl(url);
  const res = await runTool(
    "ffprobe",
    [
      "-v",
      "error",
      "-rtsp_transport",
      transport,
      "-timeout",
      String(timeoutSeconds * 1_000_000),
      "-show_entries",
      "stream=codec_type,codec_name,width,height,avg_frame_rate,sample_rate",
      "-of",
      "json",
      url,
    ],
    (timeoutSeconds * 3 + 5) * 1000,
  );
  if (res.code !== 0) {
    return { target, ok: false, lines: [explainSourceError(res.stderr || "timed out", target)] };
  }
  const streams = (JSON.parse(res.stdout || "{}").streams ?? []) as Array<
    Record<string, string | number>
  >;
  const lines = streams.map((s) =>
    s.codec_type === "video"
      ? `video: ${s.codec_name} ${s.width}x${s.height} ${fps(String(s.avg_frame_rate))} fps${["h264", "hevc"].includes(String(s.codec_name)) ? " (recorded as is)" : " (not H.264/H.265: players may not play it)"}`
      : `${s.codec_type}: ${s.codec_name}${s.sample_rate ? ` ${s.sample_rate} Hz` : ""}${s.codec_type === "audio" && s.codec_name !== "aac" ? " (transcoded to AAC)" : ""}`,
  );
  return { target, ok: true, lines: [`reachable: ${streams.length} stream(s)`, ...lines] };
}

function fps(rate: string): string {
  const [n, d] = rate.split("/").map(Number);
  return n && d ? (n / d).toFixed(2).replace(/\.00$/, "") : "?";
}
