import { ValidationError } from "@kiroku/shared";
import { describe, expect, it } from "vitest";
import { parseOperatorArgs, render, runOperatorCli } from "./operator-cli";

const parse = (line: string) => parseOperatorArgs(line.split(" ").filter(Boolean));

describe("parseOperatorArgs", () => {
  it("maps each command to one API call", () => {
    expect(parse("list").request).toMatchObject({ method: "GET", path: "/v1/channels" });
    expect(parse("enable cam1").request).toMatchObject({
      method: "PUT",
      path: "/v1/channels/cam1/status",
      body: { status: "enabled" },
    });
    expect(parse("disable cam1").request.body).toEqual({ status: "disabled" });
    expect(parse("delete cam1 --purge").request).toMatchObject({
      method: "DELETE",
      path: "/v1/channels/cam1?purge=true",
      repeatUntilComplete: true,
    });
    expect(parse("history cam1 --limit 5").request.path).toBe("/v1/channels/cam1/history?limit=5");
    expect(
      parse("sessions cam1 --mode range --start 1795343400 --end=1795343460 --expires-in 600")
        .request,
    ).toMatchObject({
      method: "POST",
      path: "/v1/channels/cam1/sessions",
      body: { mode: "range", start: "1795343400", end: "1795343460", expiresIn: 600 },
    });
    expect(parse("playlists cam1 create a --start 1 --end 2 --overwrite").request).toMatchObject({
      method: "POST",
      path: "/v1/channels/cam1/vod-playlists?overwrite=true",
      body: { name: "a", start: "1", end: "2" },
    });
    expect(parse("playlists cam1 get a").request).toMatchObject({
      path: "/v1/channels/cam1/vod-playlists/a",
      view: "text",
    });
    expect(
      parse("delete-recordings cam1 --start 2026-11-22T10:00:00+09:00 --end 1795343460").request
        .path,
    ).toBe("/v1/channels/cam1/recordings?start=2026-11-22T10%3A00%3A00%2B09%3A00&end=1795343460");
    expect(parse("put cam1 --live-window 5 --description x").request.merge).toEqual({
      liveWindow: 5,
      description: "x",
    });
    expect(parse("list --json --url http://pi:8080")).toMatchObject({
      json: true,
      url: "http://pi:8080",
    });
  });

  it.each([
    ["stat", "channel"],
    ["stat ../x", "channel"],
    ["sessions cam1", "mode"],
    ["playlists cam1 create a --end 2", "start"],
    ["delete-recordings cam1 --start 1", "end"],
    ["put cam1 --live-window ten", "live-window"],
    ["list --bogus", "bogus"],
    ["history cam1 --limit", "limit"],
    ["frobnicate cam1", "command"],
    ["stat cam1 extra", "arguments"],
  ])("`%s` is a usage error naming %s", (line, field) => {
    try {
      parse(line);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
  });
});

describe("runOperatorCli", () => {
  const io = (fetchImpl: typeof fetch) => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: { fetch: fetchImpl, out: (t: string) => out.push(t), err: (t: string) => err.push(t) },
      out,
      err,
    };
  };

  it("sends the bearer token to KIROKU_API_URL and prints the API's error with its code", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const t = io((async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return new Response(
        JSON.stringify({ error: { code: "INVALID_ARGUMENT", message: "expiresIn must be…" } }),
        { status: 400 },
      );
    }) as typeof fetch);
    const code = await runOperatorCli(
      ["sessions", "cam1", "--mode", "live", "--expires-in", "10"],
      { KIROKU_API_URL: "http://pi:9000/", API_TOKEN: "tok" },
      t.io,
    );
    expect(code).toBe(1);
    expect(calls[0]![0]).toBe("http://pi:9000/v1/channels/cam1/sessions");
    expect((calls[0]![1]!.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(t.err.join("\n")).toMatch(/400 INVALID_ARGUMENT: expiresIn must be/);
  });

  it("says how to fix an unreachable API, and exits 2 on bad usage", async () => {
    const t = io((async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    }) as typeof fetch);
    expect(await runOperatorCli(["list"], {}, t.io)).toBe(1);
    expect(t.err.join("")).toMatch(
      /cannot reach the API at http:\/\/127\.0\.0\.1:8080 \(ECONNREFUSED\).*KIROKU_API_URL/,
    );
    expect(await runOperatorCli(["stat"], {}, t.io)).toBe(2);
  });

  it("put changes only the given settings (read, merge, replace)", async () => {
    const calls: { method: string; body?: unknown }[] = [];
    const t = io((async (_url: string, init?: RequestInit) => {
      calls.push({
        method: init?.method ?? "GET",
        ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}),
      });
      if (init?.method === "GET") {
        return new Response(
          JSON.stringify({ settings: { description: "door", status: "disabled", liveWindow: 4 } }),
        );
      }
      return new Response(JSON.stringify({ ok: true }));
    }) as typeof fetch);
    expect(
      await runOperatorCli(["put", "cam1", "--live-window", "6"], { API_TOKEN: "t" }, t.io),
    ).toBe(0);
    expect(calls[1]).toEqual({
      method: "PUT",
      body: { description: "door", status: "disabled", liveWindow: 6 },
    });
  });
});

describe("render", () => {
  it("prints channels as a table and stat as labelled lines", () => {
    const list = render(
      "channels",
      JSON.stringify({
        channels: [
          {
            name: "cam1",
            state: "Live",
            status: "enabled",
            hasRecordings: true,
            description: "door",
          },
        ],
      }),
    );
    expect(list.split("\n")).toEqual([
      "NAME  STATE  STATUS   RECORDINGS  DESCRIPTION",
      "cam1  Live   enabled  yes         door",
    ]);
    const stat = render(
      "stat",
      JSON.stringify({
        channel: "cam1",
        state: "Idle",
        since: null,
        heartbeatAge: null,
        video: null,
        audio: null,
        uploadBacklog: null,
        lastError: null,
      }),
    );
    expect(stat).toBe("channel:        cam1\nstate:          Idle");
  });
});
