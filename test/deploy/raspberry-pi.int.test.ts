import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const deploy = path.join(root, "deploy/raspberry-pi");

describe("Raspberry Pi service files", () => {
  it("passes systemd-analyze verify", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kiroku-unit-"));
    try {
      const unit = path.join(dir, "kiroku-recorder.service");
      await copyFile(path.join(deploy, "kiroku-recorder.service"), unit);
      const { stderr } = await run("systemd-analyze", ["verify", unit]);
      expect(stderr).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hardens the unit with the spool as the one writable path", async () => {
    const unit = await readFile(path.join(deploy, "kiroku-recorder.service"), "utf8");
    const directives = new Map(
      unit
        .split("\n")
        .filter((line) => /^[A-Z]\w*=/.test(line))
        .map(
          (line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const,
        ),
    );
    expect(directives.get("Restart")).toBe("always");
    expect(directives.get("User")).toBe("kiroku");
    expect(directives.get("SupplementaryGroups")).toContain("video");
    expect(directives.get("ProtectSystem")).toBe("strict");
    expect(directives.get("ReadWritePaths")).toBe("/var/lib/kiroku");
    expect(directives.get("EnvironmentFile")).toBe("/etc/kiroku/recorder.env");
    expect(directives.get("NoNewPrivileges")).toBe("true");
  });

  it("starts after a synchronised clock, which install.sh enables waiting for, for a bounded time", async () => {
    const unit = await readFile(path.join(deploy, "kiroku-recorder.service"), "utf8");
    const values = (name: string) =>
      unit
        .split("\n")
        .filter((line) => line.startsWith(`${name}=`))
        .flatMap((line) => line.slice(name.length + 1).split(/\s+/));
    expect(values("After")).toContain("time-sync.target");
    expect(values("Wants")).toContain("time-sync.target");
    // time-sync.target waits for nothing unless a wait-sync service is enabled.
    const install = await readFile(path.join(deploy, "install.sh"), "utf8");
    expect(install).toMatch(/^\s*systemctl enable systemd-time-wait-sync\.service$/m);
    expect(install).toContain('"$here/time-wait-sync-timeout.conf" "$wait_sync_dropin"');
    expect(install).toContain(
      "wait_sync_dropin=/etc/systemd/system/systemd-time-wait-sync.service.d/kiroku.conf",
    );
    // Bounded: a Pi without network at boot still starts recording (and holds segments).
    const dropin = await readFile(path.join(deploy, "time-wait-sync-timeout.conf"), "utf8");
    expect(dropin).toMatch(/^\[Service\]\nTimeoutStartSec=30s$/m);
    const uninstall = await readFile(path.join(deploy, "uninstall.sh"), "utf8");
    expect(uninstall).toContain("systemctl disable systemd-time-wait-sync.service");
  });

  it("bounds systemd's own wait-sync service with the drop-in (systemd-analyze verify)", async () => {
    const shipped = "/lib/systemd/system/systemd-time-wait-sync.service";
    const dir = await mkdtemp(path.join(tmpdir(), "kiroku-unit-"));
    try {
      const unit = path.join(dir, "systemd-time-wait-sync.service");
      await copyFile(shipped, unit);
      await mkdir(`${unit}.d`);
      await copyFile(path.join(deploy, "time-wait-sync-timeout.conf"), `${unit}.d/kiroku.conf`);
      // verify reads `${unit}.d/` too: a misspelt key in the drop-in is reported here.
      const { stderr } = await run("systemd-analyze", ["verify", unit]);
      expect(stderr).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("passes shellcheck on every shipped script", async () => {
    const scripts = [
      path.join(deploy, "install.sh"),
      path.join(deploy, "uninstall.sh"),
      path.join(root, "setup.sh"),
      path.join(root, ".ci/run"),
    ];
    const result = await run("shellcheck", ["--severity=style", ...scripts]).catch(
      (err: { stdout: string }) => err,
    );
    expect("stdout" in result ? result.stdout : "").toBe("");
  });

  it("rejects an unknown option, naming it", async () => {
    const result = await run("bash", [path.join(deploy, "install.sh"), "--bogus"]).catch(
      (err: Failure) => err,
    );
    expect((result as Failure).code).toBe(2);
    expect((result as Failure).stderr).toMatch(/unknown option --bogus/);
  });

  it("refuses to install without root, saying how to run it", async () => {
    // Run as an unprivileged user even when the suite itself runs as root.
    const asUser =
      process.getuid?.() === 0
        ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash"]
        : ["bash"];
    const [cmd, ...args] = asUser;
    const result = await run(cmd!, [...args, path.join(deploy, "install.sh")]).catch(
      (err: Failure) => err,
    );
    expect((result as Failure).code).toBe(1);
    expect((result as Failure).stderr).toMatch(/must run as root: sudo/);
  });
});

type Failure = { code: number; stdout: string; stderr: string };
