import { describe, expect, it } from "vitest";
import {
  detectSync,
  parseChronycTracking,
  parseTimedatectl,
  type SyncProbes,
  TIMESYNCD_SYNCHRONIZED_FILE,
} from "./sync-detection";

const CHRONY_SYNCED = `Reference ID    : C0A80101 (192.168.1.1)
Stratum         : 3
Ref time (UTC)  : Wed Dec 02 04:00:00 2026
System time     : 0.000012345 seconds fast of NTP time
Leap status     : Normal
`;
const CHRONY_UNSYNCED = `Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
Leap status     : Not synchronised
`;

/** Probes answering from a table; a command not in it fails (not installed, no bus). */
function probes(
  files: string[],
  commands: Record<string, string>,
): SyncProbes & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async fileExists(file) {
      asked.push(file);
      return files.includes(file);
    },
    async run(command) {
      asked.push(command);
      return commands[command];
    },
  };
}

describe("parsing what the machine says", () => {
  it("reads timedatectl's NTPSynchronized value", () => {
    expect(parseTimedatectl("yes\n")).toBe(true);
    expect(parseTimedatectl("no\n")).toBe(false);
    expect(parseTimedatectl("")).toBeUndefined();
    expect(parseTimedatectl("Failed to connect to bus")).toBeUndefined();
  });

  it("reads chronyc tracking's leap status", () => {
    expect(parseChronycTracking(CHRONY_SYNCED)).toBe(true);
    expect(parseChronycTracking(CHRONY_UNSYNCED)).toBe(false);
    expect(parseChronycTracking(CHRONY_SYNCED.replace("Normal", "Insert second"))).toBe(true);
    expect(parseChronycTracking("506 Cannot talk to daemon")).toBeUndefined();
  });
});

describe("layered detection", () => {
  it("takes timesyncd's flag file as synchronised without running anything", async () => {
    const p = probes([TIMESYNCD_SYNCHRONIZED_FILE], {});
    expect(await detectSync(p)).toEqual({ state: "synchronised", source: "timesyncd" });
    expect(p.asked).toEqual([TIMESYNCD_SYNCHRONIZED_FILE]);
  });

  it("asks timedatectl (the kernel's STA_UNSYNC) next", async () => {
    expect(await detectSync(probes([], { timedatectl: "yes\n" }))).toEqual({
      state: "synchronised",
      source: "timedatectl",
    });
  });

  it("lets chrony say yes when timedatectl says no, and says no when nothing says yes", async () => {
    expect(await detectSync(probes([], { timedatectl: "no\n", chronyc: CHRONY_SYNCED }))).toEqual({
      state: "synchronised",
      source: "chronyc",
    });
    expect(await detectSync(probes([], { timedatectl: "no\n", chronyc: CHRONY_UNSYNCED }))).toEqual(
      { state: "unsynchronised", source: "timedatectl" },
    );
    expect(await detectSync(probes([], { chronyc: CHRONY_UNSYNCED }))).toEqual({
      state: "unsynchronised",
      source: "chronyc",
    });
  });

  it("is unknown when no source answers (a container without systemd or chrony)", async () => {
    expect(await detectSync(probes([], {}))).toEqual({ state: "unknown", source: "none" });
    expect(await detectSync(probes([], { timedatectl: "garbage" }))).toEqual({
      state: "unknown",
      source: "none",
    });
  });
});
