import type { Handler } from "hono";
import type { ApiEnv } from "../context";

/** `GET /`: a placeholder until the web UI lands; says where the API is. */
export function rootHandler(): Handler<ApiEnv> {
  return (c) =>
    c.text(
      "Kiroku API\n\nGET /healthz\nGET /v1/channels/:ch/vod.m3u8?start&end\nGET /v1/channels/:ch/live.m3u8\nGET /v1/channels/:ch/recordings?start&end\nGET /v1/channels/:ch/clip.ts?start&end\n",
    );
}
