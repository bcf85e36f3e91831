import path from "node:path";
import { channelSpool } from "./spool-layout";

/**
 * Where a channel's thumbnails wait in the spool (beside its segment queue):
 *
 *   {SPOOL_DIR}/{channel}/thumbnails/work/{name}.ts    a hard link to a completed segment, taken before
 *                                                      it is handed to the uploader (which may delete it)
 *   {SPOOL_DIR}/{channel}/thumbnails/queue/{name}.jpg  a thumbnail written durably, not yet confirmed in S3
 *
 * `{name}` is the segment's queue file name, so a file alone says which
 * segment (and so which key) it belongs to. Like the segment queue, a file
 * in `queue/` means "not yet safely in S3", and one in `work/` "not yet
 * extracted": both survive a crash and are picked up at start.
 */
export interface ThumbnailSpool {
  work: string;
  queue: string;
}

export function thumbnailSpool(spoolDir: string, channel: string): ThumbnailSpool {
  const root = path.join(channelSpool(spoolDir, channel).root, "thumbnails");
  return { work: path.join(root, "work"), queue: path.join(root, "queue") };
}
