import { appendFile, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextName } from "./attempt-output";
import { parseSegmentListLine, SegmentListReader } from "./segment-list";

describe("segment list", () => {
  it("parses ffmpeg's csv line, quoted names included", () => {
    expect(parseSegmentListLine("seg000000.ts,0.000000,2.021333")).toEqual({
      name: "seg000000.ts",
      startS: 0,
      endS: 2.021333,
    });
    expect(parseSegmentListLine('"a,""b"".ts",1.5,3.5')).toEqual({
      name: 'a,"b".ts',
      startS: 1.5,
      endS: 3.5,
    });
    expect(parseSegmentListLine("garbage")).toBeUndefined();
    expect(parseSegmentListLine("x.ts,3,2")).toBeUndefined();
  });

  it("returns only whole lines as ffmpeg appends them", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiroku-csv-"));
    const file = path.join(dir, "segments.csv");
    const reader = new SegmentListReader(file);
    expect(await reader.readNew()).toEqual([]); // not created yet
    await writeFile(file, "seg000000.ts,0.000000,2.000000\nseg0000");
    expect((await reader.readNew()).map((e) => e.name)).toEqual(["seg000000.ts"]);
    await appendFile(file, "01.ts,2.000000,4.000000\n");
    expect(await reader.readNew()).toEqual([{ name: "seg000001.ts", startS: 2, endS: 4 }]);
    expect(await reader.readNew()).toEqual([]);
  });

  it("names the file ffmpeg opens after a segment", () => {
    expect(nextName("seg000009.ts")).toBe("seg000010.ts");
    expect(nextName("seg999999.ts")).toBe("seg1000000.ts");
  });
});
