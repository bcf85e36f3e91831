import { describe, expect, it } from "vitest";
import { type CliCommandSpec, parseCommandArgs, UsageError, wantsHelp } from "./cli-args";

const spec: CliCommandSpec = {
  command: "recorder run",
  options: {
    help: { type: "boolean", short: "h" },
    config: { type: "string" },
    json: { type: "boolean" },
  },
  maxPositionals: 1,
};

function usageError(argv: string[]): UsageError {
  try {
    parseCommandArgs(spec, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

describe("parseCommandArgs", () => {
  it("returns values and positionals of a valid line", () => {
    expect(parseCommandArgs(spec, ["--config", "a.yaml", "x", "--json"])).toEqual({
      help: false,
      values: { config: "a.yaml", json: true },
      positionals: ["x"],
    });
    expect(parseCommandArgs(spec, ["--config=b.yaml"])).toMatchObject({
      values: { config: "b.yaml" },
    });
    // After `--`, everything is an argument, even what looks like an option.
    expect(parseCommandArgs(spec, ["--", "--help"])).toMatchObject({ positionals: ["--help"] });
  });

  it("answers help for --help or -h anywhere, even beside a mistake", () => {
    for (const argv of [["--help"], ["-h"], ["--bogus", "--help"], ["--config", "x", "-h"]]) {
      expect(parseCommandArgs(spec, argv)).toEqual({ help: true });
    }
  });

  it.each([
    [
      ["--bogus"],
      "bogus",
      'unknown option --bogus for "recorder run"; see pnpm recorder run --help',
    ],
    [["-x"], "x", 'unknown option -x for "recorder run"; see pnpm recorder run --help'],
    [
      ["--config"],
      "config",
      'missing the value of --config for "recorder run"; see pnpm recorder run --help',
    ],
    [
      ["--config", "--json"],
      "config",
      'missing the value of --config for "recorder run"; see pnpm recorder run --help',
    ],
    [
      ["--json=yes"],
      "json",
      '--json takes no value for "recorder run"; see pnpm recorder run --help',
    ],
    [
      ["a", "b"],
      "arguments",
      'unexpected argument "b" for "recorder run"; see pnpm recorder run --help',
    ],
  ])("%j is a usage error naming %s", (argv, field, message) => {
    const err = usageError(argv);
    expect(err.field).toBe(field);
    expect(err.message).toBe(message);
    expect(err.command).toBe("recorder run");
  });

  it("accepts an explicit empty value and a lone dash as values", () => {
    expect(parseCommandArgs(spec, ["--config="])).toMatchObject({ values: { config: "" } });
    expect(parseCommandArgs(spec, ["--config", "-"])).toMatchObject({ values: { config: "-" } });
  });
});

describe("wantsHelp", () => {
  it("sees --help and -h only before --", () => {
    expect(wantsHelp(["run", "--help"])).toBe(true);
    expect(wantsHelp(["-h"])).toBe(true);
    expect(wantsHelp(["--", "--help"])).toBe(false);
    expect(wantsHelp(["--helpful"])).toBe(false);
  });
});
