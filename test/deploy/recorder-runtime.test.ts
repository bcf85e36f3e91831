import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  RECORDER_MALLOC_ARENA_MAX,
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
    expect(scripts.recorder).toBe(
      `MALLOC_ARENA_MAX=${RECORDER_MALLOC_ARENA_MAX} node ${RECORDER_NODE_FLAGS} recorder/dist/cli.js`,
    );
    expect(unit).toMatch(
      new RegExp(`^Environment=MALLOC_ARENA_MAX=${RECORDER_MALLOC_ARENA_MAX}$`, "m"),
    );
  });
});
