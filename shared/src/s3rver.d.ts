/**
 * Local type declarations for `@20minutes/s3rver` (CommonJS, ships no types,
 * and no `@types` package is installed). Only what `s3-server.ts` uses is
 * declared. The package is patched (patches/@20minutes__s3rver@4.0.4.patch).
 */
declare module "@20minutes/s3rver" {
  import type { Server } from "node:http";
  import type { AddressInfo } from "node:net";

  export interface S3rverBucketConfig {
    name: string;
    /** CORSConfiguration or WebsiteConfiguration XML documents. */
    configs?: Array<string | Buffer>;
  }

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    /** Treat any Host that is not an IP, `localhost` or this machine's name as a bucket. */
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: S3rverBucketConfig[];
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets, then listens. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    httpServer?: Server;
  }
}

declare module "@20minutes/s3rver/lib/models/account.js" {
  /** s3rver's process-wide registry of access keys (module state, shared by every instance). */
  export default class AWSAccount {
    static registry: Map<string, AWSAccount>;
    /** The account every request is attributed to; holds the key pair S3RVER / S3RVER. */
    static DUMMY_ACCOUNT: AWSAccount;
    accessKeys: Map<string, string>;
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
  }
}
