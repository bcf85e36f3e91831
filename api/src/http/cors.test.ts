import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { type CorsOptions, corsHeaders } from "./cors";

const options = (origin: CorsOptions["origin"]): CorsOptions => ({
  origin,
  allowMethods: ["GET", "OPTIONS"],
  allowHeaders: ["Authorization", "If-None-Match"],
  exposeHeaders: ["Content-Length", "ETag"],
  maxAge: 600,
});

function appWith(origin: CorsOptions["origin"]) {
  const app = new Hono();
  app.onError((err, c) =>
    c.json({ error: { message: err.message } }, err instanceof HTTPException ? err.status : 500),
  );
  app.use(corsHeaders(options(origin)));
  app.get("/bytes", (c) => {
    c.header("Vary", "Accept-Encoding");
    return c.body(new TextEncoder().encode("#EXTM3U\n"));
  });
  app.get("/fails", () => {
    throw new HTTPException(403, { message: "no" });
  });
  app.get("/redirect", () => Response.redirect("http://127.0.0.1/elsewhere", 302));
  return app;
}

describe("corsHeaders", () => {
  it("answers a preflight with 204 and every allowed method and header, without running the route", async () => {
    const res = await appWith("*").request("/bytes", {
      method: "OPTIONS",
      headers: { Origin: "http://player.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("Authorization,If-None-Match");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toBe("Access-Control-Request-Headers");
  });

  it("adds its headers to the route's answer and keeps the route's own (Vary, body)", async () => {
    const res = await appWith("*").request("/bytes");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toBe("Content-Length,ETag");
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    expect(await res.text()).toBe("#EXTM3U\n");
  });

  it("with listed origins, allows only those and varies on Origin", async () => {
    const app = appWith(["https://app.example.com"]);
    const listed = await app.request("/bytes", { headers: { Origin: "https://app.example.com" } });
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(listed.headers.get("vary")).toBe("Accept-Encoding, Origin");
    const other = await app.request("/bytes", { headers: { Origin: "https://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toBe("Accept-Encoding, Origin");
    const preflight = await app.request("/bytes", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("vary")).toBe("Origin, Access-Control-Request-Headers");
  });

  it("adds its headers to error answers and to responses whose headers cannot change", async () => {
    const app = appWith("*");
    const failed = await app.request("/fails");
    expect(failed.status).toBe(403);
    expect(failed.headers.get("access-control-allow-origin")).toBe("*");
    const moved = await app.request("/redirect");
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("http://127.0.0.1/elsewhere");
    expect(moved.headers.get("access-control-allow-origin")).toBe("*");
  });
});
