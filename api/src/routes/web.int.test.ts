import { execFileSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { offlineApp } from "../../../test/helpers/offline-app";

/** The web page as the API serves it, built by the real build script first. */
describe("web page routes", () => {
  const root = path.resolve(import.meta.dirname, "../../..");
  const { app } = offlineApp();

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(root, "scripts/build.mjs"), "api"], {
      cwd: root,
      stdio: "ignore",
    });
  }, 60_000);

  it("serves the page without credentials (it holds no secret) and with a strict CSP", async () => {
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="assets\/app.js">/);
  });

  it("serves the bundled script and styles with ETags, and 304 on revalidation", async () => {
    const js = await app.request("/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const etag = js.headers.get("etag")!;
    expect(
      (await app.request("/assets/app.js", { headers: { "If-None-Match": etag } })).status,
    ).toBe(304);
    expect((await app.request("/assets/app.css")).headers.get("content-type")).toMatch(
      /^text\/css/,
    );
  });

  it.each(["../package.json", "..%2fpackage.json", "index.html", "app.exe"])(
    "refuses asset %s with a JSON 404",
    async (name) => {
      const res = await app.request(`/assets/${name}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    },
  );
});
