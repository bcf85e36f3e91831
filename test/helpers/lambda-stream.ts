import { Writable } from "node:stream";

/**
 * The part of AWS Lambda's Node.js runtime a response-streaming handler
 * uses: the `awslambda` global with `streamifyResponse` and
 * `HttpResponseStream.from`, writing the wire format a function URL reads
 * (a JSON prelude with status, headers and cookies, 8 NUL bytes, then the
 * body as it is written). `invokeStreaming` plays the function URL: it
 * calls the handler with a response stream and splits what arrives back
 * into status, headers and body bytes, noting when the first body byte came.
 */

const STREAMING = Symbol("kiroku.streamingHandler");
type StreamingFn = (event: unknown, stream: Writable, context: unknown) => Promise<void>;

/** Installs `globalThis.awslambda` (as Lambda's runtime defines it) before a streaming entry is imported. */
export function installLambdaStreamingRuntime(): void {
  (globalThis as unknown as { awslambda: unknown }).awslambda = {
    streamifyResponse(fn: StreamingFn) {
      return Object.assign(fn, { [STREAMING]: true });
    },
    HttpResponseStream: {
      from(stream: Writable, prelude: Record<string, unknown>) {
        stream.write(JSON.stringify(prelude));
        stream.write(new Uint8Array(8));
        return stream;
      },
    },
  };
}

export interface StreamedResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  /** Writes the handler made after the prelude. */
  bodyWrites: number;
  /** ms from the invocation to the first body byte. */
  firstByteMs: number | undefined;
}

/** Invokes a handler made by `streamifyResponse` with one event, as a RESPONSE_STREAM function URL does. */
export async function invokeStreaming(handler: unknown, event: unknown): Promise<StreamedResult> {
  const fn = handler as StreamingFn & { [STREAMING]?: boolean };
  if (!fn[STREAMING]) throw new Error("not a handler made by awslambda.streamifyResponse");
  const chunks: Buffer[] = [];
  const t0 = performance.now();
  let preludeEnd = -1;
  let received = 0;
  let bodyWrites = 0;
  let firstByteMs: number | undefined;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      received += chunk.length;
      if (preludeEnd < 0) {
        const all = Buffer.concat(chunks);
        const at = all.indexOf(Buffer.alloc(8));
        if (at >= 0) preludeEnd = at;
      } else if (chunk.length > 0) {
        bodyWrites++;
        firstByteMs ??= performance.now() - t0;
      }
      done();
    },
  });
  const finished = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  await fn({ ...(event as object) }, stream, {});
  await finished;
  const all = Buffer.concat(chunks, received);
  const at = all.indexOf(Buffer.alloc(8));
  if (at < 0) throw new Error(`no prelude in the streamed response: ${all.subarray(0, 200)}`);
  const prelude = JSON.parse(all.subarray(0, at).toString("utf8")) as {
    statusCode: number;
    headers: Record<string, string>;
    cookies: string[];
  };
  return { ...prelude, body: all.subarray(at + 8), bodyWrites, firstByteMs };
}
