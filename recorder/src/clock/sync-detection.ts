import { execFile } from "node:child_process";
import { access } from "node:fs/promises";

/**
 * Is the system clock synchronised? Node has no adjtimex(2), so the recorder
 * asks, in order, the sources that report the kernel's view, and takes the
 * first definite answer:
 *
 * 1. `/run/systemd/timesync/synchronized` exists: systemd-timesyncd touches
 *    it once it has set the clock (systemd ≥ 239). Cheap, no process: "yes".
 *    Its absence proves nothing (chrony or ntpd may run instead).
 * 2. `timedatectl show -p NTPSynchronized --value`: `yes`/`no`, the kernel's
 *    STA_UNSYNC bit as adjtimex(2) reports it, whichever NTP daemon
 *    disciplines the clock. Fails without systemd (containers): no answer.
 * 3. `chronyc -n tracking`: "Leap status : Normal" is synchronised, "Not
 *    synchronised" is not. Fails without chrony: no answer.
 *
 * When none answers (a container without systemd or chrony), the state is
 * `unknown` and the caller falls back to the floor alone (clock-trust.ts):
 * refusing to record keys forever on such machines would help nobody, and
 * they usually take their time from a host that is synchronised.
 */
export type SyncState = "synchronised" | "unsynchronised" | "unknown";

export interface SyncAnswer {
  state: SyncState;
  /** Which source gave the answer (for logs): `timesyncd`, `timedatectl`, `chronyc`, `none`. */
  source: string;
}

/** How detection reaches the machine (injectable for tests). */
export interface SyncProbes {
  fileExists(file: string): Promise<boolean>;
  /** Runs a command; resolves with its stdout, or undefined when it failed or could not start. */
  run(command: string, args: string[]): Promise<string | undefined>;
}

export const TIMESYNCD_SYNCHRONIZED_FILE = "/run/systemd/timesync/synchronized";

/** `timedatectl show -p NTPSynchronized --value` output → answer (undefined: not an answer). */
export function parseTimedatectl(stdout: string): boolean | undefined {
  const value = stdout.trim().toLowerCase();
  if (value === "yes") return true;
  if (value === "no") return false;
  return undefined;
}

/** `chronyc -n tracking` output → answer (undefined: not an answer). */
export function parseChronycTracking(stdout: string): boolean | undefined {
  const m = /^Leap status\s*:\s*(.+)$/im.exec(stdout);
  if (!m) return undefined;
  const status = m[1]!.trim().toLowerCase();
  if (status === "not synchronised") return false;
  // Normal, or an announced leap second: the clock is disciplined.
  if (status === "normal" || status.startsWith("insert") || status.startsWith("delete"))
    return true;
  return undefined;
}

/** Asks the sources in order (see above). */
export async function detectSync(probes: SyncProbes = systemProbes): Promise<SyncAnswer> {
  if (await probes.fileExists(TIMESYNCD_SYNCHRONIZED_FILE))
    return { state: "synchronised", source: "timesyncd" };
  let no: string | undefined;
  const tdc = await probes.run("timedatectl", ["show", "-p", "NTPSynchronized", "--value"]);
  const t = tdc === undefined ? undefined : parseTimedatectl(tdc);
  if (t === true) return { state: "synchronised", source: "timedatectl" };
  if (t === false) no = "timedatectl";
  const chrony = await probes.run("chronyc", ["-n", "tracking"]);
  const c = chrony === undefined ? undefined : parseChronycTracking(chrony);
  if (c === true) return { state: "synchronised", source: "chronyc" };
  if (c === false) no ??= "chronyc";
  return no ? { state: "unsynchronised", source: no } : { state: "unknown", source: "none" };
}

/** The real machine: file checks and short-lived commands (2 s timeout each). */
export const systemProbes: SyncProbes = {
  async fileExists(file) {
    try {
      await access(file);
      return true;
    } catch {
      return false;
    }
  },
  run(command, args) {
    return new Promise((resolve) => {
      execFile(command, args, { timeout: 2_000, encoding: "utf8" }, (err, stdout) =>
        resolve(err ? undefined : stdout),
      );
    });
  },
};
