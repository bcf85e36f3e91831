import { describe, expect, it } from "vitest";
import { OFFLINE_TOKEN, offlineApp } from "../../../test/helpers/offline-app";

/**
 * `+09:00` typed into a URL unencoded reaches the API as ` 09:00` (a query
 * decodes `+` as a space). The offset is read as meant, not refused.
 */
describe("a + offset that arrived as a space in the query", () => {
  const { app } = offlineApp();
  const auth = { headers: { Authorization: `Bearer ${OFFLINE_TOKEN}` } };

  it("is read as the offset it was (the range is checked, not the time refused)", async () => {
    // end before start: a 400 about the range proves both times were parsed.
    const res = await app.request(
      "/v1/channels/cam1/vod.m3u8?start=2026-12-02T10:00:00+09:00&end=2026-12-02T09:00:00+09:00",
      auth,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).not.toMatch(/is not a time/);
    expect(body.error.message).toMatch(/end/);
  });

  it("names %2B when a space cannot be read as a +", async () => {
    const res = await app.request(
      "/v1/channels/cam1/vod.m3u8?start=2026-12-02T10:00:00+9&end=2026-12-02T11:00:00Z",
      auth,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/%2B/);
  });
});
