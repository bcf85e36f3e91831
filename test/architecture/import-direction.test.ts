import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { API_LAYERS, checkFile, checkPackage, importSpecifiers, RECORDER_LAYERS } from "./layers";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("import direction", () => {
  it("no recorder file imports from a layer above its own", () => {
    expect(checkPackage(root, RECORDER_LAYERS)).toEqual([]);
  });

  it("no api file imports from a layer above its own", () => {
    expect(checkPackage(root, API_LAYERS)).toEqual([]);
  });

  it("finds static, type-only, multi-line, re-export and dynamic imports", () => {
    const source = [
      'import { a } from "./a";',
      'import type { B } from "../b";',
      "import {\n  c,\n  d,\n} from './c';",
      'export * from "./e";',
      'const f = await import("./f");',
      'import "node:fs";',
    ].join("\n");
    expect(importSpecifiers(source)).toEqual(["./a", "../b", "./c", "./e", "./f"]);
  });

  it("reports an import that points up the layers, naming both layers", () => {
    const violations = checkFile(
      RECORDER_LAYERS,
      "spool/spool.ts",
      'import type { ClosedSegmentFile } from "../capture/attempt-output";',
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/^spool imports capture/);
  });

  it("lets a layer import its own folder and the layers below it", () => {
    expect(
      checkFile(
        RECORDER_LAYERS,
        "upload/uploader.ts",
        'import { a } from "./upload-retry";\nimport { b } from "../spool/spool";\nimport { c } from "../recorder-config";',
      ),
    ).toEqual([]);
  });

  it("reports a file that belongs to no layer", () => {
    expect(checkFile(API_LAYERS, "stray.ts", "")[0]!.message).toMatch(/belongs to no layer/);
  });
});
