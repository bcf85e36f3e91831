import { readFileSync } from "node:fs";
import path from "node:path";
import { RUN_END_REASONS } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { stopReasonWord } from "./run-end-reason";

describe("run end reasons", () => {
  it("names a stop the recorder asked for with one word of the list", () => {
    expect(stopReasonWord("shutdown")).toBe("shutdown");
    expect(stopReasonWord("disabled")).toBe("disabled");
    expect(stopReasonWord("stall: no segment for 12 s")).toBe("ffmpeg-error");
  });

  it("are the words the README lists, no more and no fewer", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, "../../../README.md"), "utf8");
    const sentence = /end reason — one word of([^—]+)—/.exec(readme.replace(/\s+/g, " "))?.[1];
    const listed = [...(sentence ?? "").matchAll(/`([a-z-]+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...RUN_END_REASONS].sort());
  });
});
