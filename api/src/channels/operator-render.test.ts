import { describe, expect, it } from "vitest";
import { parseOperatorArgs } from "./operator-args";
import { render } from "./operator-render";

describe("operator views", () => {
  it("prints enable/disable and put answers as labelled settings, not JSON", () => {
    const out = render(
      "settings",
      JSON.stringify({
        name: "cam1",
        description: "",
        status: "disabled",
        liveWindow: null,
        effectiveLiveWindow: 6,
        createdAt: "2026-12-02T07:00:00.000Z",
        updatedAt: "2026-12-02T07:05:00.000Z",
      }),
    );
    expect(out.split("\n")).toEqual([
      "channel:        cam1",
      "status:         disabled",
      "description:    (none)",
      "live window:    6 segments (the API's default)",
      "updated:        2026-12-02T07:05:00.000Z",
    ]);
    expect(out).not.toMatch(/[{}]/);
  });

  it("prints a session's URL and expiry, and deletions as sentences", () => {
    expect(
      render(
        "session",
        JSON.stringify({
          url: "http://pi:8080/v1/channels/cam1/live.m3u8?exp=1&sig=x",
          path: "/v1/channels/cam1/live.m3u8?exp=1&sig=x",
          channel: "cam1",
          mode: "live",
          expiresIn: 60,
          expiresAt: "2026-12-02T08:00:00.000Z",
        }),
      ),
    ).toBe(
      [
        "url:            http://pi:8080/v1/channels/cam1/live.m3u8?exp=1&sig=x",
        "mode:           live",
        "channel:        cam1",
        "expires at:     2026-12-02T08:00:00.000Z",
      ].join("\n"),
    );
    expect(
      render(
        "deleted-recordings",
        JSON.stringify({
          channel: "cam1",
          start: "2026-12-02T07:00:00.000Z",
          end: "2026-12-02T07:10:00.000Z",
          deleted: 20,
          bytes: 25_000_000,
          kept: [],
        }),
      ),
    ).toBe(
      "deleted 20 segment(s) (25.0 MB) of cam1 from 2026-12-02T07:00:00.000Z to 2026-12-02T07:10:00.000Z",
    );
    expect(
      render(
        "deleted-channel",
        JSON.stringify({
          channel: "cam1",
          purge: false,
          deleted: { recordings: 0, metadata: 3 },
          recordingsKept: true,
          complete: true,
        }),
      ),
    ).toMatch(/^channel cam1 deleted: 3 metadata object\(s\).*\n.*--purge/);
  });

  it("gives every subcommand a human view (JSON only with --json)", () => {
    const argvs = [
      ["list"],
      ["get", "cam1"],
      ["put", "cam1", "--description", "door"],
      ["enable", "cam1"],
      ["disable", "cam1"],
      ["delete", "cam1"],
      ["stat", "cam1"],
      ["history", "cam1"],
      ["sessions", "cam1", "--mode", "live"],
      ["playlists", "cam1"],
      ["playlists", "cam1", "create", "p1", "--start", "1", "--end", "2"],
      ["delete-recordings", "cam1", "--start", "1", "--end", "2"],
    ];
    for (const argv of argvs) {
      const cmd = parseOperatorArgs(argv);
      expect(cmd.request.view, argv.join(" ")).not.toBe("json");
      expect(cmd.json).toBe(false);
      expect(parseOperatorArgs([...argv, "--json"]).json).toBe(true);
    }
  });
});
