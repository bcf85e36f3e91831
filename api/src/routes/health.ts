import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { Handler } from "hono";
import type { ApiDeps, ApiEnv } from "../access/context";
import { toStorageError } from "../http/storage-error";

/**
 * `GET /healthz`: the process answers. `GET /healthz?storage=1` also lists one
 * key of the bucket (503 when the store is unreachable), for load balancers
 * that should drain an instance that cannot reach S3.
 */
export function healthHandler(deps: ApiDeps): Handler<ApiEnv> {
  return async (c) => {
    c.header("Cache-Control", "no-store");
    if (c.req.query("storage") === undefined) return c.json({ status: "ok" });
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
  };
}
