// The light build: no subtitles, alternate audio or DRM, none of which a camera has.
import Hls, { type HlsConfig } from "hls.js/light";
import type { ApiClient } from "./api-client";

/**
 * hls.js on the page's <video>. Requests to the API carry the bearer token;
 * segment requests to S3 (presigned) or a CDN never do. The wall-clock time
 * of the frame on screen comes from the playlist's EXT-X-PROGRAM-DATE-TIME
 * (`hls.playingDate`).
 */
export class Player {
  private hls: Hls | undefined;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly api: ApiClient,
    private readonly onError: (message: string, status: number | undefined) => void,
    /** hls.js settings laid over the defaults (the camera wall keeps small buffers). */
    private readonly extra: Partial<HlsConfig> = {},
  ) {}

  static get supported(): boolean {
    return Hls.isSupported();
  }

  play(url: string): void {
    this.stop();
    const api = this.api;
    const hls = new Hls({
      // A recorder's newest segment may still be uploading: retry briefly, then say so.
      fragLoadPolicy: {
        default: {
          maxTimeToFirstByteMs: 10_000,
          maxLoadTimeMs: 60_000,
          timeoutRetry: { maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 2_000 },
          errorRetry: { maxNumRetry: 3, retryDelayMs: 500, maxRetryDelayMs: 4_000 },
        },
      },
      xhrSetup(xhr, requestUrl) {
        xhr.open("GET", requestUrl, true);
        if (api.isApiUrl(requestUrl)) {
          for (const [k, v] of Object.entries(api.headers())) xhr.setRequestHeader(k, v);
        }
      },
      ...this.extra,
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response?.code;
      this.onError(
        status === 404
          ? "Nothing recorded there (404)."
          : status === 401 || status === 403
            ? "Not allowed: check the API token (Token button)."
            : `Playback stopped: ${data.details}`,
        status,
      );
      this.stop();
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.play().catch(() => {
        // Autoplay refused (sound, or a browser policy): the controls are there.
      });
    });
    this.hls = hls;
  }

  stop(): void {
    this.hls?.destroy();
    this.hls = undefined;
  }

  /** Wall-clock time (epoch ms) of the frame being shown, when known. */
  get playingDateMs(): number | undefined {
    const date = this.hls?.playingDate;
    return date ? date.getTime() : undefined;
  }
}
