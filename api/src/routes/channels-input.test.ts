import { describe, expect, it } from "vitest";
import { OFFLINE_TOKEN, offlineApp } from "../../../test/helpers/offline-app";
import { signedQuery } from "../access/auth";

/**
 * Every channel endpoint answers bad input and missing credentials before
 * touching storage: the S3 endpoint here is a closed port, so a request that
 * reached it would be a 503, not the 400/401/403 asserted.
 */
const TOKEN = OFFLINE_TOKEN;
const SECRET = "unit-signing-secret-0123456789abcdef";
const make = (env: Record<string, string>) => offlineApp({ API_TOKEN: undefined, ...env }).app;
const app = make({ API_TOKEN: TOKEN, SIGNING_SECRET: SECRET });
const auth = { Authorization: `Bearer ${TOKEN}` };
const json = { ...auth, "Content-Type": "application/json" };
type ErrorBody = { error: { code: string; message: string; field?: string } };

async function expect400(res: Response, field: string, message?: RegExp): Promise<void> {
  const body = (await res.json()) as ErrorBody;
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error.field).toBe(field);
  if (message) expect(body.error.message).toMatch(message);
}

const send = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = json,
) =>
  app.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });

describe("channel settings input", () => {
  it.each([
    [{ status: "paused" }, "status", /"enabled" or "disabled"/],
    [{ liveWindow: 0 }, "liveWindow", /1 to 100/],
    [{ liveWindow: 101 }, "liveWindow", /1 to 100/],
    [{ description: "x".repeat(129) }, "description", /128 bytes/],
    [{ description: "é".repeat(65) }, "description", /128 bytes/],
    [{ livewindow: 3 }, "livewindow", /unknown field/],
  ])("PUT /v1/channels/cam1 %j → 400 naming %s", async (body, field, message) => {
    await expect400(await send("PUT", "/v1/channels/cam1", body), field, message);
  });

  it("PUT /v1/channels/cam1/status with an unknown status value → 400 naming status", async () => {
    await expect400(await send("PUT", "/v1/channels/cam1/status", { status: "on" }), "status");
    await expect400(await send("PUT", "/v1/channels/cam1/status", {}), "status");
    await expect400(
      await send("PUT", "/v1/channels/cam1/status", { status: "enabled", x: 1 }),
      "x",
    );
  });
});

describe("bodies every write endpoint refuses", () => {
  const writes: [string, string][] = [
    ["PUT", "/v1/channels/cam1"],
    ["PUT", "/v1/channels/cam1/status"],
    ["POST", "/v1/channels/cam1/vod-playlists"],
    ["POST", "/v1/channels/cam1/sessions"],
  ];

  it.each(writes)("%s %s: malformed JSON → 400 naming body", async (method, path) => {
    await expect400(await send(method, path, '{"status": "enabled"'), "body", /not valid JSON/);
  });

  it.each(writes)("%s %s: a JSON array → 400 naming body", async (method, path) => {
    await expect400(await send(method, path, "[]"), "body");
  });

  it.each(writes)("%s %s: wrong content type → 400 naming Content-Type", async (method, path) => {
    await expect400(
      await send(method, path, '{"status":"enabled"}', { ...auth, "Content-Type": "text/plain" }),
      "Content-Type",
    );
    await expect400(await send(method, path, '{"status":"enabled"}', auth), "Content-Type");
  });

  it.each(writes)("%s %s: a bad channel name → 400 naming channel", async (method, path) => {
    await expect400(await send(method, path.replace("cam1", "Cam%201"), {}), "channel");
  });
});

describe("stored playlists, sessions, deletions, history: bad input", () => {
  it.each([
    [{ name: "../x", start: "1795343400", end: "1795343460" }, "name"],
    [{ name: ".hidden", start: "1795343400", end: "1795343460" }, "name"],
    [{ start: "1795343400", end: "1795343460" }, "name"],
    [{ name: "a", start: "2026-11-22 10:00", end: "1795343460" }, "start"],
    [{ name: "a", start: "1795343460", end: "1795343400" }, "end"],
    [{ name: "a", start: "1795343400", end: "1795943400" }, "end"],
  ])("POST vod-playlists %j → 400 naming %s", async (body, field) => {
    await expect400(await send("POST", "/v1/channels/cam1/vod-playlists", body), field);
  });

  it("POST vod-playlists with ?overwrite=maybe → 400 naming overwrite", async () => {
    const body = { name: "a", start: "1795343400", end: "1795343460" };
    await expect400(
      await send("POST", "/v1/channels/cam1/vod-playlists?overwrite=maybe", body),
      "overwrite",
    );
  });

  it("GET vod-playlists/:name with an invalid name → 400 naming name", async () => {
    await expect400(
      await app.request("/v1/channels/cam1/vod-playlists/.x", { headers: auth }),
      "name",
    );
  });

  it.each([
    [{ mode: "live", expiresIn: 299 }, "expiresIn"],
    [{ mode: "live", expiresIn: 43_201 }, "expiresIn"],
    [{ mode: "live", expiresIn: 0 }, "expiresIn"],
    [{ mode: "replay" }, "mode"],
    [{ mode: "range", start: "1795343400" }, "end"],
    [{ mode: "range", start: "nope", end: "1795343460" }, "start"],
  ])("POST sessions %j → 400 naming %s", async (body, field) => {
    await expect400(await send("POST", "/v1/channels/cam1/sessions", body), field);
  });

  it.each([
    ["", "start"],
    ["?start=1795343400", "end"],
    ["?start=abc&end=1795343460", "start"],
    ["?start=1795343400&end=1795943400", "end"],
  ])("DELETE recordings%s → 400 naming %s", async (query, field) => {
    await expect400(await send("DELETE", `/v1/channels/cam1/recordings${query}`), field);
  });

  it("DELETE /v1/channels/cam1?purge=maybe → 400 naming purge", async () => {
    await expect400(await send("DELETE", "/v1/channels/cam1?purge=maybe"), "purge");
  });

  it.each(["0", "101", "abc", "-1", "1.5"])(
    "history?limit=%s → 400 naming limit",
    async (limit) => {
      await expect400(
        await app.request(`/v1/channels/cam1/history?limit=${limit}`, { headers: auth }),
        "limit",
        /1 to 100/,
      );
    },
  );
});

describe("admin auth", () => {
  const writes: [string, string, unknown][] = [
    ["PUT", "/v1/channels/cam1", { status: "enabled" }],
    ["PUT", "/v1/channels/cam1/status", { status: "disabled" }],
    ["DELETE", "/v1/channels/cam1?purge=true", undefined],
    ["DELETE", "/v1/channels/cam1/recordings?start=1795343400&end=1795343460", undefined],
    [
      "POST",
      "/v1/channels/cam1/vod-playlists",
      { name: "a", start: "1795343400", end: "1795343460" },
    ],
    ["POST", "/v1/channels/cam1/sessions", { mode: "live" }],
  ];
  const publicApp = make({ API_TOKEN: TOKEN, PUBLIC_PLAYBACK: "true" });

  it.each(writes)(
    "%s %s needs the bearer token, even with PUBLIC_PLAYBACK",
    async (method, path, body) => {
      const headers = { "Content-Type": "application/json" };
      const init = { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) };
      const none = await publicApp.request(path, init);
      expect(none.status).toBe(401);
      expect(((await none.json()) as ErrorBody).error.code).toBe("AUTH_REQUIRED");
      const wrong = await publicApp.request(path, {
        ...init,
        headers: { ...headers, Authorization: "Bearer not-the-token-at-all" },
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as ErrorBody).error.code).toBe("INVALID_TOKEN");
    },
  );

  it("a signed playback URL does not open a write", async () => {
    const q = signedQuery(
      Buffer.from(SECRET),
      { channel: "cam1", resource: "live" },
      4_000_000_000,
    );
    const res = await app.request(`/v1/channels/cam1?${q}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });

  it("a server without API_TOKEN is read-only and says how to change that", async () => {
    const readOnly = make({ PUBLIC_PLAYBACK: "true" });
    const res = await readOnly.request("/v1/channels/cam1", {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: "Bearer anything-at-all-123" },
      body: "{}",
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("WRITES_DISABLED");
    expect(body.error.message).toMatch(/API_TOKEN/);
  });

  it("reads need credentials; a signed playback URL does not open channel metadata", async () => {
    expect((await app.request("/v1/channels")).status).toBe(401);
    expect((await app.request("/v1/channels/cam1/stat")).status).toBe(401);
    const q = signedQuery(
      Buffer.from(SECRET),
      { channel: "cam1", resource: "live" },
      4_000_000_000,
    );
    for (const path of ["/v1/channels", "/v1/channels/cam1/stat", "/v1/channels/cam1/history"]) {
      const res = await app.request(`${path}?${q}`);
      expect(res.status).toBe(403);
      expect(((await res.json()) as ErrorBody).error.code).toBe("SIGNATURE_SCOPE");
    }
  });
});

describe("sessions (no storage needed)", () => {
  it("mints a live URL on the request's host, signed, expiring at now + expiresIn", async () => {
    const now = Date.UTC(2026, 10, 22, 10, 30, 0);
    const pinned = offlineApp({ SIGNING_SECRET: SECRET }, () => now).app;
    const res = await pinned.request("https://cams.example/v1/channels/cam1/sessions", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ mode: "live", expiresIn: 600 }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, string>;
    expect(body.url).toMatch(
      /^https:\/\/cams\.example\/v1\/channels\/cam1\/live\.m3u8\?exp=1795344000&sig=[\w-]{43}$/,
    );
    expect(body.expiresAt).toBe(new Date(now + 600_000).toISOString());
    expect(body.mode).toBe("live");
    expect(body.url!.endsWith(body.path!)).toBe(true);
  });
});
