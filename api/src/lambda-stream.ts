import { streamHandle } from "hono/aws-lambda";
import { appFromEnv } from "./bootstrap";

/**
 * The AWS Lambda entry for a function URL with response streaming
 * (`InvokeMode: RESPONSE_STREAM`, handler `stream.handler`): every answer
 * is streamed as the app produces it, so clip.ts and clip.mp4 go out as
 * they are read and remuxed instead of being buffered (6 MB at most).
 * Lambda allows 200 MB per streamed response (the first 6 MB at full
 * speed, then about 2 MB/s), hence CLIP_MAX_BYTES defaults to 190 MiB here.
 * `awslambda` (the runtime's global) exists only inside Lambda's Node.js
 * runtime; tests provide the same interface (`test/helpers/lambda-stream.ts`).
 */
export const handler = streamHandle(
  appFromEnv(process.env, undefined, { lambdaStreaming: true }).app,
);
