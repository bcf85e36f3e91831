import { execFile } from "node:child_process";
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
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
      'wait_sync_dropin="$destdir/etc/systemd/system/systemd-time-wait-sync.service.d/kiroku.conf"',
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
    // Run as an unprivileged user even when the suite itself runs as root. The
    // checkout may sit in a folder that user cannot read (a clone inside a
    // 0700 mktemp -d), so the script is copied to a readable folder first.
    const readable = await mkdtemp(path.join(tmpdir(), "kiroku-install-"));
    try {
      await chmod(readable, 0o755);
      const script = path.join(readable, "install.sh");
      await copyFile(path.join(deploy, "install.sh"), script);
      await chmod(script, 0o755);
      const asUser =
        process.getuid?.() === 0
          ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash"]
          : ["bash"];
      const [cmd, ...args] = asUser;
      const result = await run(cmd!, [...args, script], { cwd: readable }).catch(
        (err: Failure) => err,
      );
      expect((result as Failure).stderr).toMatch(/must run as root: sudo/);
      expect((result as Failure).code).toBe(1);
    } finally {
      await rm(readable, { recursive: true, force: true });
    }
  });

  it("scores 3.0 or lower (OK) in systemd-analyze security", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kiroku-unit-"));
    try {
      const unit = path.join(dir, "kiroku-recorder.service");
      await copyFile(path.join(deploy, "kiroku-recorder.service"), unit);
      const { stdout } = await run("systemd-analyze", ["security", "--offline=true", unit]);
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(stdout)?.[1]);
      expect(score, stdout).toBeGreaterThan(0);
      expect(score, stdout).toBeLessThanOrEqual(3.0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("installs /opt/kiroku owned by root and writable by nobody else, from a checkout owned by another user", async () => {
    if (process.getuid?.() !== 0) {
      throw new Error("this test installs files owned by root: run the suite as root (as CI does)");
    }
    const dir = await mkdtemp(path.join(tmpdir(), "kiroku-destdir-"));
    try {
      // A checkout owned by uid 1000, group-writable, as a user's clone is.
      const checkout = path.join(dir, "checkout");
      const scripts = path.join(checkout, "deploy/raspberry-pi");
      await mkdir(scripts, { recursive: true });
      for (const f of [
        "install.sh",
        "kiroku-recorder.service",
        "recorder.env.example",
        "time-wait-sync-timeout.conf",
      ]) {
        await copyFile(path.join(deploy, f), path.join(scripts, f));
      }
      await mkdir(path.join(checkout, "recorder/dist/chunks"), { recursive: true });
      await writeFile(path.join(checkout, "recorder/dist/cli.js"), "// recorder\n");
      await writeFile(path.join(checkout, "recorder/dist/chunks/a.js"), "// chunk\n");
      await run("chown", ["-R", "1000:1000", checkout]);
      await run("chmod", ["-R", "u=rwX,g=rwX,o=rX", checkout]);
      const staged = path.join(dir, "root");
      // An older install left a file owned by uid 1000 behind.
      await mkdir(path.join(staged, "opt/kiroku/recorder"), { recursive: true });
      await writeFile(path.join(staged, "opt/kiroku/recorder/stale.js"), "");
      await run("chown", ["-R", "1000:1000", path.join(staged, "opt")]);

      await run("bash", [path.join(scripts, "install.sh"), "--no-start"], {
        env: { ...process.env, KIROKU_DESTDIR: staged },
      });

      const installed = (await readdir(path.join(staged, "opt/kiroku"), { recursive: true })).map(
        (p) => path.join(staged, "opt/kiroku", p),
      );
      expect(installed.map((p) => path.relative(staged, p)).sort()).toEqual([
        "opt/kiroku/recorder",
        "opt/kiroku/recorder/chunks",
        "opt/kiroku/recorder/chunks/a.js",
        "opt/kiroku/recorder/cli.js",
      ]);
      for (const p of [path.join(staged, "opt/kiroku"), ...installed]) {
        const st = await stat(p);
        expect({ p, uid: st.uid, gid: st.gid }).toEqual({ p, uid: 0, gid: 0 });
        expect({ p, writableByOthers: (st.mode & 0o022) !== 0 }).toEqual({
          p,
          writableByOthers: false,
        });
      }
      const env = await stat(path.join(staged, "etc/kiroku/recorder.env"));
      expect(env.mode & 0o777).toBe(0o640);
      expect(env.uid).toBe(0);
      const unit = await stat(path.join(staged, "etc/systemd/system/kiroku-recorder.service"));
      expect(unit.uid).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

type Failure = { code: number; stdout: string; stderr: string };
