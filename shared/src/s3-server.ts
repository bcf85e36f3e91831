import { mkdir } from "node:fs/promises";
import { isIPv6 } from "node:net";
import path from "node:path";
import type AWSAccount from "@20minutes/s3rver/lib/models/account.js";
import { isBucketName } from "./config";

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Folder that holds the buckets and objects (created when missing). Data outlives the server. */
  dir: string;
  /** TCP port; 0 (the default) picks a free one, read it from the result. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1: the server accepts anonymous requests, keep it local. */
  host?: string;
  /** A bucket to create when missing, with browser CORS (see {@link BROWSER_CORS_XML}). */
  bucket?: string;
  /** Access key clients sign with. Default `S3RVER`. */
  accessKeyId?: string;
  /** Secret key clients sign with. Default `S3RVER`. */
  secretAccessKey?: string;
  /** Keep the server's request log quiet. Default true. */
  silent?: boolean;
}

/** A running embedded S3 server. */
export interface S3Server {
  /** Base URL for `S3_ENDPOINT` / the SDK's `endpoint`, e.g. `http://127.0.0.1:9000`. */
  endpoint: string;
  port: number;
  /** Absolute data folder. */
  dir: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Stops listening and drops open connections at once (in-flight requests
   * fail as they would in an outage). Idempotent. The data stays in `dir`.
   */
  stop(): Promise<void>;
}

/**
 * CORS rule put on the bucket at every start. Browsers (hls.js on the API's
 * origin) fetch playlists and segments from S3 by presigned URL, which is a
 * cross-origin request: without a rule S3 answers no
 * `Access-Control-Allow-Origin` and the player fails. Any origin, the read
 * and write methods, any request header (Range included), and the response
 * headers a player or uploader reads.
 */
export const BROWSER_CORS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>DELETE</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Content-Length</ExposeHeader>
    <ExposeHeader>Content-Range</ExposeHeader>
    <ExposeHeader>Accept-Ranges</ExposeHeader>
    <MaxAgeSeconds>3600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
`;

/**
 * Starts an S3-protocol server on local disk: the test double of every
 * integration test and the zero-config store of `pnpm demo` / `pnpm s3`.
 *
 * It is `@20minutes/s3rver` 4.0.4 with a maintained pnpm patch
 * (patches/@20minutes__s3rver@4.0.4.patch) that makes it agree with the
 * current AWS SDK v3: SigV4 of bucket-level requests, continuation tokens
 * under OpenSSL 3, `aws-chunked` streamed bodies, Content-MD5 / checksum
 * verification, atomic object writes, key-ordered listings, Abort and List
 * Multipart Uploads, suffix ranges, EADDRINUSE as an error. Signatures are
 * verified, so a wrong secret gets 403 SignatureDoesNotMatch as on AWS; but
 * requests without any signature are accepted (anonymous access is not
 * modelled). Clients should use `forcePathStyle: true` and
 * `requestChecksumCalculation`/`responseChecksumValidation: "WHEN_REQUIRED"`
 * (what `createS3Client` does for any custom endpoint).
 *
 * Stop it and start it again with the same `dir` and `port` to simulate an
 * outage: objects, buckets and unfinished multipart uploads persist.
 *
 * Rejects with the listen error (`code` `EADDRINUSE`, `EACCES`) when the port
 * cannot be used. The s3rver package is loaded on first use, so importing
 * this module costs nothing to code that never starts a server.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const {
    port = 0,
    host = "127.0.0.1",
    bucket,
    accessKeyId = "S3RVER",
    secretAccessKey = "S3RVER",
    silent = true,
  } = options;
  const dir = path.resolve(options.dir);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`S3 server port must be an integer from 0 to 65535, got ${port}`);
  }
  if (bucket !== undefined && !isBucketName(bucket)) {
    throw new RangeError(
      `"${bucket}" is not a valid bucket name (3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit)`,
    );
  }
  if (!accessKeyId || !secretAccessKey) {
    throw new RangeError("S3 server credentials must not be empty");
  }
  await mkdir(dir, { recursive: true });

  const [{ default: S3rver }, { default: Account }] = await Promise.all([
    import("@20minutes/s3rver"),
    import("@20minutes/s3rver/lib/models/account.js"),
  ]);
  const releaseKey = registerKey(Account, accessKeyId, secretAccessKey);
  const server = new S3rver({
    directory: dir,
    port,
    address: host,
    silent,
    // Path-style only: with vhost buckets on, any Host that is not an IP or
    // "localhost" (a LAN name, a container name) would be taken for a bucket.
    vhostBuckets: false,
    allowMismatchedSignatures: false,
    configureBuckets: bucket ? [{ name: bucket, configs: [BROWSER_CORS_XML] }] : [],
  });
  let address: Awaited<ReturnType<typeof server.run>>;
  try {
    address = await server.run();
  } catch (err) {
    releaseKey();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const closed = server.close();
      // close() alone waits for keep-alive and in-flight requests to end.
      server.httpServer?.closeAllConnections();
      try {
        await closed;
      } finally {
        releaseKey();
      }
    })();
    return stopping;
  };

  return {
    endpoint: `http://${endpointHost(address.address)}:${address.port}`,
    port: address.port,
    dir,
    credentials: { accessKeyId, secretAccessKey },
    stop,
  };
}

/** A host clients can connect to for the address the server is bound to. */
function endpointHost(bound: string): string {
  if (bound === "0.0.0.0" || bound === "::") return "127.0.0.1";
  return isIPv6(bound) ? `[${bound}]` : bound;
}

/**
 * s3rver keeps access keys in one registry per process, shared by every
 * instance. A key is registered while a server uses it; two running servers
 * may share a key only with the same secret. The last server to stop puts
 * back what was there before (for `S3RVER`, its built-in secret `S3RVER`).
 */
const keyUsers = new Map<string, { secret: string; users: number; previous: string | undefined }>();

function registerKey(account: typeof AWSAccount, accessKeyId: string, secret: string): () => void {
  const inUse = keyUsers.get(accessKeyId);
  if (inUse && inUse.secret !== secret) {
    throw new Error(
      `access key ${accessKeyId} is already used by a running S3 server in this process with another secret (s3rver keeps one key registry per process); use another accessKeyId`,
    );
  }
  if (inUse) {
    inUse.users++;
  } else {
    const previous = account.registry.get(accessKeyId)?.accessKeys.get(accessKeyId);
    keyUsers.set(accessKeyId, { secret, users: 1, previous });
    account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secret);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const entry = keyUsers.get(accessKeyId);
    if (!entry || --entry.users > 0) return;
    keyUsers.delete(accessKeyId);
    if (entry.previous === undefined) account.DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
    else account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, entry.previous);
  };
}
