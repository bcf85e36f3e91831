import { readdirSync, readFileSync } from "node:fs";

/**
 * Whether this board has a V4L2 memory-to-memory H.264 encoder that ffmpeg's
 * `h264_v4l2m2m` can drive: the Raspberry Pi 2/3/4 expose it as
 * `bcm2835-codec-encode` (usually /dev/video11). ffmpeg lists h264_v4l2m2m
 * even where no such device exists (this x86 machine, a Pi 5), so the
 * encoder list alone is not enough: look for the device.
 */
export function hasHardwareH264Encoder(sysfs = "/sys/class/video4linux"): boolean {
  let names: string[];
  try {
    names = readdirSync(sysfs);
  } catch {
    return false;
  }
  return names.some((dev) => {
    try {
      const name = readFileSync(`${sysfs}/${dev}/name`, "utf8").trim();
      return /codec-encode|h264.*enc|enc.*h264/i.test(name) && !/decode|isp/i.test(name);
    } catch {
      return false;
    }
  });
}
