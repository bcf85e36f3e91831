import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import {
  type ChannelSettings,
  type ChannelStatus,
  channelMetaPrefix,
  channelPrefix,
  isChannelName,
  META_FOLDER,
  mapLimit,
  metaPrefix,
  parseChannelStatus,
  parseRunRecord,
  type RunRecord,
  readChannelSettings,
  runsPrefix,
  StorageUnavailableError,
  statusKey,
} from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { isNotFound, toStorageError } from "../http/storage-error";

/**
 * The API's reads and deletes of channel metadata in the bucket (keys in
 * shared/meta-keys.ts). Every S3 failure becomes the API's 503/502 errors;
 * objects that are not what they should be (hand-edited, half-written, a
 * newer schema we cannot read) are treated as absent and logged, so one bad
 * object never breaks a listing.
 */

/** GETs in flight at once per request (settings, status, run records). */
export const META_READ_CONCURRENCY = 8;
/** Channels a listing finds at most (one small request each); beyond it the answer says `truncated`. */
export const CHANNEL_LIST_MAX = 1000;
/** Keys DeleteObjects accepts per call (the S3 limit). */
export const DELETE_BATCH = 1000;

export async function getSettings(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<ChannelSettings | undefined> {
  try {
    return await readChannelSettings(
      deps.s3,
      deps.config.s3.bucket,
      deps.config.movieKey,
      channel,
      signal,
    );
  } catch (err) {
    if (err instanceof SyntaxError) {
      deps.logger.warn({ channel, err }, "channel settings object is not JSON; treated as absent");
      return undefined;
    }
    throw toStorageError(err, `reading the settings of ${channel}`);
  }
}

export async function getStatus(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<ChannelStatus | undefined> {
  const json = await getJson(deps, statusKey(deps.config.movieKey, channel), signal);
  if (json === undefined) return undefined;
  const status = parseChannelStatus(json);
  if (!status) deps.logger.warn({ channel }, "status object is not a schema-1 heartbeat; ignored");
  return status;
}

/** The newest `limit` run records (keys sort newest first): one listing of `limit` keys, then GETs. */
export async function listRuns(
  deps: ApiDeps,
  channel: string,
  limit: number,
  signal?: AbortSignal,
): Promise<RunRecord[]> {
  let page: ListObjectsV2CommandOutput;
  try {
    page = await deps.s3.send(
      new ListObjectsV2Command({
        Bucket: deps.config.s3.bucket,
        Prefix: runsPrefix(deps.config.movieKey, channel),
        MaxKeys: limit,
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    throw toStorageError(err, `listing the runs of ${channel}`);
  }
  const keys = (page.Contents ?? [])
    .map((o) => o.Key)
    .filter((k): k is string => k?.endsWith(".json") === true)
    .slice(0, limit);
  const records = await mapLimit(keys, META_READ_CONCURRENCY, async (key) => {
    const json = await getJson(deps, key, signal);
    return json === undefined ? undefined : parseRunRecord(json);
  });
  return records.filter((r): r is RunRecord => r !== undefined);
}

/**
 * Every channel name in the bucket: those with metadata (`{movieKey}/_meta/{ch}/`)
 * and those with only recordings (`{movieKey}/{ch}/`), from two skip-scans
 * (one one-key request per channel, never the segments); `truncated` when a
 * scan hit CHANNEL_LIST_MAX.
 */
export async function listChannelNames(
  deps: ApiDeps,
  signal?: AbortSignal,
): Promise<{ withMeta: Set<string>; withRecordings: Set<string>; truncated: boolean }> {
  const movie = `${deps.config.movieKey}/`;
  const [meta, recordings] = await Promise.all([
    listFolders(deps, metaPrefix(deps.config.movieKey), signal),
    listFolders(deps, movie, signal),
  ]);
  recordings.names.delete(META_FOLDER);
  const keep = (names: Set<string>) => new Set([...names].filter(isChannelName));
  return {
    withMeta: keep(meta.names),
    withRecordings: keep(recordings.names),
    truncated: meta.truncated || recordings.truncated,
  };
}

/** True when anything (segment, stored playlist) is stored under the channel's prefix. */
export async function hasRecordings(
  deps: ApiDeps,
  channel: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const page = await deps.s3.send(
      new ListObjectsV2Command({
        Bucket: deps.config.s3.bucket,
        Prefix: channelPrefix(deps.config.movieKey, channel),
        MaxKeys: 1,
      }),
      { abortSignal: signal },
    );
    return (page.Contents ?? []).length > 0;
  } catch (err) {
    throw toStorageError(err, `listing ${channel}`);
  }
}

export interface DeleteOutcome {
  /** Keys S3 confirmed deleted. */
  deleted: number;
  /** Keys S3 refused to delete, with its reason. */
  failed: { key: string; code: string; message: string }[];
}

/**
 * Deletes keys with DeleteObjects, 1,000 per call, one call at a time (a
 * failing store stops the work early instead of multiplying errors). Counts
 * only what S3 confirmed.
 */
export async function deleteKeys(
  deps: ApiDeps,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: 0, failed: [] };
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    let out: DeleteObjectsCommandOutput;
    try {
      out = await deleteBatch(deps, batch, signal);
    } catch (err) {
      const e = toStorageError(err, `deleting ${batch.length} objects`);
      // Report what was done before the failure rather than hiding it behind a 5xx.
      if (outcome.deleted === 0) throw e;
      for (const key of keys.slice(i)) {
        outcome.failed.push({ key, code: e.code, message: e.message });
      }
      return outcome;
    }
    const errors = out.Errors ?? [];
    for (const e of errors) {
      outcome.failed.push({
        key: e.Key ?? "",
        code: e.Code ?? "Unknown",
        message: e.Message ?? "",
      });
    }
    outcome.deleted += batch.length - errors.length;
  }
  return outcome;
}

/** Delays before retrying a DeleteObjects call the store answered with a 5xx/throttle. */
export const DELETE_RETRY_DELAYS_MS = [100, 400, 1_600];

/**
 * One DeleteObjects call, retried on 5xx, throttling and network errors:
 * deleting is idempotent (an absent key counts as deleted), S3 answers bulk
 * deletes with SlowDown under load, and the embedded server fails a batch
 * now and then (it removes emptied folders concurrently) after deleting part of it.
 */
async function deleteBatch(
  deps: ApiDeps,
  batch: readonly string[],
  signal?: AbortSignal,
): Promise<DeleteObjectsCommandOutput> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.s3.send(
        new DeleteObjectsCommand({
          Bucket: deps.config.s3.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      const retryable = toStorageError(err, "deleting") instanceof StorageUnavailableError;
      const delay = DELETE_RETRY_DELAYS_MS[attempt];
      if (!retryable || delay === undefined || signal?.aborted) throw err;
      deps.logger.warn(
        { err, attempt: attempt + 1, keys: batch.length },
        "DeleteObjects failed; retrying",
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Lists up to `maxKeys` keys under a prefix (page by page), for purges.
 * `more` tells that keys remain beyond the bound.
 */
export async function listKeys(
  deps: ApiDeps,
  prefix: string,
  maxKeys: number,
  signal?: AbortSignal,
): Promise<{ keys: string[]; more: boolean }> {
  const keys: string[] = [];
  let token: string | undefined;
  try {
    for (;;) {
      const page = await deps.s3.send(
        new ListObjectsV2Command({
          Bucket: deps.config.s3.bucket,
          Prefix: prefix,
          MaxKeys: Math.min(1000, maxKeys - keys.length),
          ...(token ? { ContinuationToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      const truncated = page.IsTruncated === true && page.NextContinuationToken !== undefined;
      if (!truncated) return { keys, more: false };
      if (keys.length >= maxKeys) return { keys, more: true };
      token = page.NextContinuationToken;
    }
  } catch (err) {
    throw toStorageError(err, `listing ${prefix}`);
  }
}

/** `movie/_meta/cam1/`: settings, heartbeat and run history of a channel. */
export function metaFolder(deps: ApiDeps, channel: string): string {
  return channelMetaPrefix(deps.config.movieKey, channel);
}

/**
 * The child "folders" of a prefix by skip-scan: ListObjectsV2 with MaxKeys 1,
 * then StartAfter just past everything in the folder found (`movie/cam1` +
 * "0", which sorts after every `movie/cam1/…` key and before `movie/cam10/`).
 * One small request per folder, whatever the folder holds, and correct on
 * every S3-compatible store, including those whose Delimiter listings drop
 * common prefixes whose objects sit more than one level down (every segment
 * folder), as the embedded server's did before its patch.
 */
async function listFolders(
  deps: ApiDeps,
  prefix: string,
  signal?: AbortSignal,
): Promise<{ names: Set<string>; truncated: boolean }> {
  const names = new Set<string>();
  let startAfter: string | undefined;
  try {
    for (let requests = 0; requests <= CHANNEL_LIST_MAX; requests++) {
      const page = await deps.s3.send(
        new ListObjectsV2Command({
          Bucket: deps.config.s3.bucket,
          Prefix: prefix,
          MaxKeys: 1,
          ...(startAfter ? { StartAfter: startAfter } : {}),
        }),
        { abortSignal: signal },
      );
      const key = page.Contents?.[0]?.Key;
      if (!key?.startsWith(prefix)) return { names, truncated: false };
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash === -1) {
        startAfter = key; // an object directly under the prefix: not a folder
        continue;
      }
      const name = rest.slice(0, slash);
      names.add(name);
      startAfter = `${prefix}${name}0`; // "0" is the character after "/"
    }
    return { names, truncated: true };
  } catch (err) {
    throw toStorageError(err, `listing channels under ${prefix}`);
  }
}

async function getJson(deps: ApiDeps, key: string, signal?: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    const out = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.config.s3.bucket, Key: key }),
      { abortSignal: signal },
    );
    text = await out.Body!.transformToString();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toStorageError(err, `reading ${key}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    deps.logger.warn({ key }, "metadata object is not JSON; ignored");
    return undefined;
  }
}
