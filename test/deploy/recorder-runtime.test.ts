import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  envPairs,
  RECORDER_MALLOC_ENV,
  RECORDER_NODE_FLAGS,
} from "../../recorder/bench/daemon-harness";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const unit = readFileSync(path.join(root, "deploy/raspberry-pi/kiroku-recorder.service"), "utf8");
const scripts = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<
  string,
  string
>;

/** The memory figures of `pnpm bench` hold only if the benches run the recorder as it is deployed. */
describe("the recorder's runtime settings", () => {
  it("are the same in the systemd unit, `pnpm recorder` and the daemon benchmarks", () => {
    const execStart =
      /^ExecStart=\/usr\/bin\/node (.*?) \/opt\/kiroku\/recorder\/cli\.js run$/m.exec(unit);
    expect(execStart?.[1]).toBe(RECORDER_NODE_FLAGS);
    // `exec`: Ctrl-C reaches node itself, and pnpm reports no ELIFECYCLE.
    expect(scripts.recorder).toBe(
      `${RECORDER_MALLOC_ENV} exec node ${RECORDER_NODE_FLAGS} recorder/dist/cli.js`,
    );
    const malloc = Object.entries(envPairs(RECORDER_MALLOC_ENV));
    expect(malloc.map(([name]) => name)).toEqual([
      "MALLOC_ARENA_MAX",
      "MALLOC_MMAP_THRESHOLD_",
      "MALLOC_TRIM_THRESHOLD_",
    ]);
    for (const [name, value] of malloc)
      expect(unit).toMatch(new RegExp(`^Environment=${name}=${value}$`, "m"));
  });
});
