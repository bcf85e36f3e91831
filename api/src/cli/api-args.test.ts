import { UsageError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { API_USAGE, parseApiArgs } from "./api-args";

const parse = (line: string) => parseApiArgs(line.split(" ").filter(Boolean));

describe("parseApiArgs", () => {
  it("serves with no arguments and hands `channels …` to the operator client", () => {
    expect(parse("")).toEqual({ kind: "serve" });
    expect(parse("channels stat cam1 --json")).toEqual({
      kind: "channels",
      args: ["stat", "cam1", "--json"],
    });
    // The operator client answers its own --help.
    expect(parse("channels --help")).toEqual({ kind: "channels", args: ["--help"] });
  });

  it("answers --help and --version without serving", () => {
    for (const line of ["--help", "-h", "help"])
      expect(parse(line)).toEqual({ kind: "help", text: API_USAGE });
    expect(parse("--version")).toEqual({ kind: "version", text: `@kiroku/api ${pkg.version}` });
  });

  it.each([
    ["--bogus", "bogus", 'unknown option --bogus for "api"; see pnpm api --help'],
    ["--port=8080", "port", 'unknown option --port for "api"; see pnpm api --help'],
    ["serve", "command", 'unknown command "serve" for "api"; see pnpm api --help'],
    ["--version --bogus", "bogus", 'unknown option --bogus for "api"; see pnpm api --help'],
  ])("`api %s` is a usage error naming %s", (line, field, message) => {
    try {
      parse(line);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).field).toBe(field);
      expect((err as UsageError).message).toBe(message);
    }
  });
});
