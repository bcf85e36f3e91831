import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { z } from "@hono/zod-openapi";
import { toStorageError } from "../http/storage-error";
import { json } from "./common-schemas";
import { apiRoute } from "./endpoint";

/**
 * `GET /healthz`: the process answers. `GET /healthz?storage=1` also lists one
 * key of the bucket (503 when the store is unreachable), for load balancers
 * that should drain an instance that cannot reach S3.
 */
export const healthRoute = apiRoute(
  () => ({
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tag: "service",
    summary: "Health check",
    description: "502/503 only when `storage` is given.",
    access: "open",
    storage: true,
    query: z.object({
      storage: z.string().optional().openapi({
        description: "When present (any value, e.g. `1`): also list one key of the bucket.",
      }),
    }),
    responses: {
      "200": json(
        "The process (and the bucket, if asked) answers.",
        z
          .object({ status: z.literal("ok"), storage: z.literal("ok").optional() })
          .openapi("Health"),
      ),
    },
  }),
  (deps) =>
    async (c, { query }) => {
      c.header("Cache-Control", "no-store");
      if (query.storage === undefined) return c.json({ status: "ok" });
      try {
        await deps.s3.send(
          new ListObjectsV2Command({
            Bucket: deps.config.s3.bucket,
            Prefix: `${deps.config.movieKey}/`,
            MaxKeys: 1,
          }),
          { abortSignal: c.req.raw.signal },
        );
      } catch (err) {
        throw toStorageError(err, "health check");
      }
      return c.json({ status: "ok", storage: "ok" });
    },
);
