import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ChannelSettingStatus } from "@kiroku/shared";
import { silentLogger } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { SettingsWatcher } from "./settings-watcher";

function watcher(answers: Record<string, Array<ChannelSettingStatus | undefined | Error>>) {
  const calls: string[] = [];
  const w = new SettingsWatcher({
    channels: Object.keys(answers),
    intervalMs: 60_000,
    log: silentLogger(),
    read: async (channel) => {
      calls.push(channel);
      const next = answers[channel]!.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  });
  const changes: string[] = [];
  const problems: string[] = [];
  w.on("change", (e) => changes.push(`${e.channel}:${e.status}`));
  w.on("problem", (e) => problems.push(`${e.channel}:${e.message ? "failing" : "ok"}`));
  return { w, calls, changes, problems };
}

describe("SettingsWatcher", () => {
  it("treats a channel without settings as enabled and reports no change", async () => {
    const { w, changes } = watcher({ cam1: [undefined, "enabled"] });
    await w.poll();
    await w.poll();
    expect(w.status("cam1")).toBe("enabled");
    expect(changes).toEqual([]);
  });

  it("reports disable and enable as changes, once each", async () => {
    const { w, changes } = watcher({
      cam1: ["disabled", "disabled", "enabled"],
      cam2: ["enabled", "enabled", "enabled"],
    });
    await w.poll();
    await w.poll();
    await w.poll();
    expect(changes).toEqual(["cam1:disabled", "cam1:enabled"]);
    expect(w.status("cam1")).toBe("enabled");
  });

  it("fails open: an unreadable settings object keeps the last known status and says so once per streak", async () => {
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    const { w, changes, problems } = watcher({
      cam1: [denied, denied, "disabled", denied, "enabled"],
    });
    await w.poll();
    await w.poll();
    expect(w.status("cam1")).toBe("enabled");
    await w.poll();
    expect(w.status("cam1")).toBe("disabled");
    await w.poll(); // unreadable again: stays disabled as last known
    expect(w.status("cam1")).toBe("disabled");
    await w.poll();
    expect(changes).toEqual(["cam1:disabled", "cam1:enabled"]);
    expect(problems).toEqual(["cam1:failing", "cam1:ok", "cam1:failing", "cam1:ok"]);
  });

  it("keeps the last known status across restarts, so a channel seen disabled starts disabled", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-settings-"));
    try {
      const make = (answers: Array<ChannelSettingStatus | Error>) =>
        new SettingsWatcher({
          channels: ["cam1", "cam2"],
          intervalMs: 60_000,
          log: silentLogger(),
          cacheDir: dir,
          read: async (channel) => {
            if (channel === "cam2") return undefined;
            const next = answers.shift()!;
            if (next instanceof Error) throw next;
            return next;
          },
        });
      const first = make(["disabled"]);
      await first.loadCached();
      expect(first.status("cam1")).toBe("enabled"); // never seen: fail open
      await first.poll();
      await first.flushCache();

      // The next process knows before the bucket answers; an unreachable bucket keeps it so.
      const second = make([new Error("ECONNREFUSED"), "enabled"]);
      await second.loadCached();
      expect(second.status("cam1")).toBe("disabled");
      expect(second.status("cam2")).toBe("enabled");
      await second.poll();
      expect(second.status("cam1")).toBe("disabled");
      await second.poll(); // re-enabled in the bucket: remembered too
      await second.flushCache();
      const third = make([]);
      await third.loadCached();
      expect(third.status("cam1")).toBe("enabled");

      // A junk cache file is no answer.
      await writeFile(path.join(dir, "cam1", "settings.json"), "{not json");
      const fourth = make([]);
      await fourth.loadCached();
      expect(fourth.status("cam1")).toBe("enabled");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
