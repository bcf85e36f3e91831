import { handle } from "hono/aws-lambda";
import { appFromEnv } from "./bootstrap";

/**
 * The AWS Lambda entry (Function URL / API Gateway v2 events). Built once per
 * instance at init, so a bad configuration fails the cold start with the
 * ConfigError in the logs. Playlists and JSON go back as text; segments and
 * clips as base64 (Function URLs buffer responses: 6 MB at most, hence the
 * lower CLIP_MAX_BYTES default on Lambda).
 */
export const handler = handle(appFromEnv(process.env).app, {
  isContentTypeBinary: (type) => !/^(text\/|application\/(json|vnd\.apple\.mpegurl))/i.test(type),
});
