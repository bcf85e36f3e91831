import { UsageError, ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { OPERATOR_USAGE, parseOperatorArgs, subcommandUsage } from "./operator-args";

const parse = (line: string) => parseOperatorArgs(line.split(" ").filter(Boolean));

/** The text a help request would print (help is thrown with code USAGE). */
function help(line: string): string {
  try {
    parse(line);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe("USAGE");
    return (err as ValidationError).message;
  }
  throw new Error(`expected help for "${line}"`);
}

function usageError(line: string): UsageError {
  try {
    parse(line);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`expected a usage error for "${line}"`);
}

describe("parseOperatorArgs: help and per-subcommand options", () => {
  it("prints the whole usage for no command, help, --help, and an unknown command with --help", () => {
    for (const line of ["", "help", "--help", "-h", "frob --help", "--json"]) {
      expect(help(line)).toBe(OPERATOR_USAGE);
    }
    expect(OPERATOR_USAGE).toMatch(/^Usage: pnpm api channels <command> \[options\]/);
  });

  it("prints a subcommand's own usage for `SUBCOMMAND --help`, even with a mistake beside it", () => {
    expect(help("stat --help")).toBe(subcommandUsage("stat"));
    expect(help("history cam1 --bogus -h")).toBe(subcommandUsage("history"));
    expect(subcommandUsage("playlists")).toMatch(/^Usage: pnpm api channels playlists CH\n/);
    expect(subcommandUsage("playlists")).toContain("playlists CH create NAME --start T --end T");
  });

  it("accepts common options before the subcommand", () => {
    expect(parse("--url http://pi:8080 --json stat cam1")).toMatchObject({
      json: true,
      url: "http://pi:8080",
      request: { method: "GET", path: "/v1/channels/cam1/stat" },
    });
  });

  it.each([
    ["list --limit 5", "limit", 'unknown option --limit for "api channels list"'],
    ["stat cam1 --purge", "purge", 'unknown option --purge for "api channels stat"'],
    ["history cam1 --limit", "limit", 'missing the value of --limit for "api channels history"'],
    ["delete cam1 --purge=yes", "purge", '--purge takes no value for "api channels delete"'],
    ["frob", "command", 'unknown command "frob" for "api channels"'],
    ["--url", "url", 'missing the value of --url for "api channels"'],
    ["stat", "channel", 'a channel name is required for "api channels stat"'],
  ])("`%s` names %s and where the usage is", (line, field, start) => {
    const err = usageError(line);
    expect(err.field).toBe(field);
    expect(err.message.startsWith(start)).toBe(true);
    expect(err.message).toMatch(/; see pnpm api channels( [a-z-]+)? --help$/);
  });
});
