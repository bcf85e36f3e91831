import { describe, expect, it } from "vitest";
import { thumbnailArgs } from "./thumbnail-args";

describe("thumbnailArgs", () => {
  const args = thumbnailArgs("/spool/in.ts", "/spool/out.jpg", 320);

  it("decodes only keyframes and stops at the first picture", () => {
    expect(args.join(" ")).toContain("-skip_frame nokey -i /spool/in.ts");
    expect(args.join(" ")).toContain("-frames:v 1");
  });

  it("scales to the width asked, keeping the aspect ratio", () => {
    expect(args[args.indexOf("-vf") + 1]).toBe("scale=320:-2");
  });

  it("writes one JPEG to the output, with one thread", () => {
    expect(args.at(-1)).toBe("/spool/out.jpg");
    expect(args.join(" ")).toContain("-f image2 -c:v mjpeg");
    expect(args[args.indexOf("-threads") + 1]).toBe("1");
  });
});
