import {
  deleteChannelRoute,
  getChannelRoute,
  listChannelsRoute,
  putChannelRoute,
  putChannelStatusRoute,
} from "./channels";
import { clipRoute } from "./clip";
import { clipMp4Route } from "./clip-mp4";
import { deleteRecordingsRoute } from "./delete-recordings";
import type { ApiRoute } from "./endpoint";
import { healthRoute } from "./health";
import { historyRoute } from "./history";
import { imageRoute } from "./image";
import { imagesRoute } from "./images";
import { liveRoute } from "./live";
import { recordingsRoute } from "./recordings";
import { segmentRoute } from "./segment";
import { sessionsRoute } from "./sessions";
import { statRoute } from "./stat";
import { vodRoute } from "./vod";
import { getVodPlaylistRoute, listVodPlaylistsRoute, postVodPlaylistRoute } from "./vod-playlists";
import { webAssetRoute, webPageRoute } from "./web";

/**
 * Every route of the API but the document itself (`openapi.ts`, which is
 * built from this list), in the order `app.ts` registers them.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  webPageRoute,
  webAssetRoute,
  healthRoute,
  vodRoute,
  liveRoute,
  recordingsRoute,
  clipRoute,
  clipMp4Route,
  imageRoute,
  imagesRoute,
  segmentRoute,
  listChannelsRoute,
  getChannelRoute,
  putChannelRoute,
  deleteChannelRoute,
  putChannelStatusRoute,
  statRoute,
  historyRoute,
  deleteRecordingsRoute,
  postVodPlaylistRoute,
  listVodPlaylistsRoute,
  getVodPlaylistRoute,
  sessionsRoute,
];
