import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
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
