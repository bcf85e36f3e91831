import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "@kiroku/shared";
import type { ThumbnailConfig } from "../capture/thumbnail-config";
import { ThumbnailMaker } from "../capture/thumbnail-maker";
import type { CompletedSegment } from "../spool/completed-segment";
import { ThumbnailUploader } from "./thumbnail-uploader";

/** What the daemon sees of thumbnails: hand over, resume, stop. */
export interface Thumbnails {
  /** Call inside the segment hand-over, before the uploader gets the segment. */
  take(seg: CompletedSegment): void;
  /** Picks up what a previous run left in the channels' thumbnail spools. */
  resume(channels: readonly string[]): Promise<void>;
  stop(graceMs: number): Promise<void>;
  readonly maker: ThumbnailMaker;
  readonly uploader: ThumbnailUploader;
}

/** The thumbnail pipeline (maker → spool queue → uploader), or undefined with THUMBNAILS=off. */
export function startThumbnails(opts: {
  config: ThumbnailConfig;
  s3: S3Client;
  bucket: string;
  movieKey: string;
  spoolDir: string;
  log: Logger;
}): Thumbnails | undefined {
  if (!opts.config.enabled) return undefined;
  const uploader = new ThumbnailUploader({
    s3: opts.s3,
    bucket: opts.bucket,
    movieKey: opts.movieKey,
    log: opts.log,
  });
  const maker = new ThumbnailMaker({
    spoolDir: opts.spoolDir,
    width: opts.config.width,
    log: opts.log,
    onReady: (channel, file) => uploader.add(channel, file),
  });
  return {
    maker,
    uploader,
    take: (seg) => maker.take(seg),
    resume: (channels) => maker.resume(channels),
    async stop(graceMs) {
      await maker.stop();
      await uploader.stop(graceMs);
    },
  };
}
