import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  type ChannelSettings,
  type ChannelStatus,
  isChannelName,
  META_FOLDER,
  metaPrefix,
  settingsKey,
  statusKey,
} from "@kiroku/shared";
import type { ApiDeps } from "../access/context";
import { toStorageError } from "../http/storage-error";
import { CHANNEL_LIST_MAX, getSettings, getStatus } from "./channel-store";

/**
 * Every channel the bucket knows of, for `GET /v1/channels`, in a handful
 * of requests whatever the number of channels:
 * - one listing of the metadata prefix (`movie/_meta/`, delimiter `/runs/`,
 *   so each channel's run records fold into one common prefix): every
 *   settings and status object with its ETag;
 * - one delimiter listing of `movie/` (`/`): every channel with recordings;
 * - then a GET only for a settings or status object this instance has not
 *   read at that ETag yet (heartbeats change only when something happens,
 *   settings when an operator acts), never for one that does not exist.
 * 100 channels: 2 LISTs, plus at most two GETs per channel when the
 * instance is cold and only the changed objects when warm.
 */
export interface ChannelDirectory {
  /** Channels with any metadata object, with the ETag of their settings and status objects. */
  meta: Map<string, { settingsEtag?: string; statusEtag?: string }>;
  /** Channels with anything stored under their segment prefix. */
  withRecordings: Set<string>;
  /** More than CHANNEL_LIST_MAX channels: the list is cut. */
  truncated: boolean;
}

export async function readChannelDirectory(
  deps: ApiDeps,
  signal?: AbortSignal,
): Promise<ChannelDirectory> {
  const movieKey = deps.config.movieKey;
  const metaRoot = metaPrefix(movieKey);
  const [metaPage, recordingPage] = await Promise.all([
    listAll(deps, { prefix: metaRoot, delimiter: "/runs/" }, signal),
    listAll(deps, { prefix: `${movieKey}/`, delimiter: "/" }, signal),
  ]);
  const meta: ChannelDirectory["meta"] = new Map();
  const entry = (name: string) => {
    let e = meta.get(name);
    if (!e) {
      e = {};
      meta.set(name, e);
    }
    return e;
  };
  for (const { key, etag } of metaPage.objects) {
    const rest = key.slice(metaRoot.length);
    const name = rest.slice(0, rest.indexOf("/"));
    if (!isChannelName(name)) continue;
    if (key === settingsKey(movieKey, name)) entry(name).settingsEtag = etag;
    else if (key === statusKey(movieKey, name)) entry(name).statusEtag = etag;
    else entry(name);
  }
  for (const p of metaPage.prefixes) {
    const name = p.slice(metaRoot.length).split("/")[0] ?? "";
    if (isChannelName(name)) entry(name);
  }
  const withRecordings = new Set<string>();
  for (const p of recordingPage.prefixes) {
    const name = p.slice(movieKey.length + 1, -1);
    if (name !== META_FOLDER && isChannelName(name)) withRecordings.add(name);
  }
  return {
    meta,
    withRecordings,
    truncated: metaPage.truncated || recordingPage.truncated,
  };
}

/**
 * A channel's settings and heartbeat as the directory listed them: read
 * only when this instance has not seen them at the listed ETag, and not at
 * all when the listing shows no such object.
 */
export async function channelMeta(
  deps: ApiDeps,
  channel: string,
  etags: { settingsEtag?: string; statusEtag?: string },
  signal?: AbortSignal,
): Promise<{ settings?: ChannelSettings; status?: ChannelStatus }> {
  const movieKey = deps.config.movieKey;
  const [settings, status] = await Promise.all([
    etags.settingsEtag
      ? atEtag(deps, settingsKey(movieKey, channel), etags.settingsEtag, () =>
          getSettings(deps, channel, signal),
        )
      : undefined,
    etags.statusEtag
      ? atEtag(deps, statusKey(movieKey, channel), etags.statusEtag, () =>
          getStatus(deps, channel, signal),
        )
      : undefined,
  ]);
  return { ...(settings ? { settings } : {}), ...(status ? { status } : {}) };
}

const MAX_ENTRIES = 10_000;
// Per app (each test's app has its own): key → the value read at an ETag.
const byEtag = new WeakMap<ApiDeps, Map<string, { etag: string; value: unknown }>>();

async function atEtag<T>(
  deps: ApiDeps,
  key: string,
  etag: string,
  read: () => Promise<T>,
): Promise<T> {
  let cache = byEtag.get(deps);
  if (!cache) {
    cache = new Map();
    byEtag.set(deps, cache);
  }
  const hit = cache.get(key);
  if (hit?.etag === etag) return hit.value as T;
  const value = await read();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  // Kept under the listed ETag: if the object changed in between, the next
  // listing shows a new ETag and it is read again.
  cache.set(key, { etag, value });
  return value;
}

interface Listed {
  objects: { key: string; etag: string }[];
  prefixes: string[];
  truncated: boolean;
}

/** Every page of a delimiter listing, up to CHANNEL_LIST_MAX entries (then `truncated`). */
async function listAll(
  deps: ApiDeps,
  opts: { prefix: string; delimiter: string },
  signal?: AbortSignal,
): Promise<Listed> {
  const out: Listed = { objects: [], prefixes: [], truncated: false };
  let token: string | undefined;
  try {
    do {
      const page = await deps.s3.send(
        new ListObjectsV2Command({
          Bucket: deps.config.s3.bucket,
          Prefix: opts.prefix,
          Delimiter: opts.delimiter,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      for (const o of page.Contents ?? [])
        if (o.Key) out.objects.push({ key: o.Key, etag: o.ETag ?? "" });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.prefixes.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      // Two objects per channel at most, plus its runs prefix.
      if (token && out.objects.length + out.prefixes.length >= 3 * CHANNEL_LIST_MAX) {
        out.truncated = true;
        break;
      }
    } while (token);
  } catch (err) {
    throw toStorageError(err, `listing channels under ${opts.prefix}`);
  }
  return out;
}
