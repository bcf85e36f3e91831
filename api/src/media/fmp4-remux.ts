import {
  ALL_FORMATS,
  EncodedAudioPacketSource,
  type EncodedPacket,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  type InputAudioTrack,
  type InputVideoTrack,
  Mp4OutputFormat,
  Output,
  ReadableStreamSource,
} from "mediabunny";
import { advance, shiftFor, type Timeline } from "./clip-timeline";
import { FragmentCuts, fragmentEnder } from "./fragment-cuts";
import { Mp4StreamTarget } from "./mp4-stream-target";

/** One stored MPEG-TS segment, its bytes read as they come. */
export interface SegmentBody {
  key: string;
  run: number;
  seq: number;
  /** Wall-clock start from the key (epoch ms). */
  startMs: number;
  body: ReadableStream<Uint8Array>;
}

/**
 * Bytes of a segment kept behind the demuxer's reading position: its
 * video and audio are read side by side, each a few hundred kilobytes
 * from the other in the file, so this is room to spare, and it is what a
 * segment costs, whatever its size.
 */
export const SEGMENT_WINDOW_BYTES = 8 * 1024 * 1024;

export interface RemuxedClip {
  /** Wall-clock time of the keyframe the file starts at (epoch ms). */
  startMs: number;
  /** The fragmented MP4, produced as it is read. */
  body: ReadableStream<Uint8Array>;
}

export interface RemuxOptions {
  /** The asked start (epoch ms): the file starts at the keyframe at or before it. */
  fromMs: number;
  /** Told when the file stops early (a segment that cannot be read or whose codec settings changed). */
  onStop?: (reason: string, segment: string, err?: unknown) => void;
}

/** The settings a decoder needs for each track. */
interface TrackSettings {
  videoConfig: VideoDecoderConfig;
  audioConfig: AudioDecoderConfig | undefined;
}

/** A segment opened for reading: its tracks and their settings. */
interface OpenedSegment extends TrackSettings {
  segment: SegmentBody;
  input: Input;
  video: InputVideoTrack;
  audio: InputAudioTrack | undefined;
}

/**
 * Remuxes MPEG-TS segments (H.264, optional AAC) into one fragmented MP4,
 * without decoding or re-encoding, with mediabunny (pure TypeScript, so it
 * runs on Lambda without ffmpeg).
 *
 * Memory: one segment is demuxed at a time and its packets handed to the
 * muxer, which writes a fragment (moof+mdat) every FRAGMENT_SECONDS, on a
 * keyframe or not (fragment-cuts.ts), and lets go of it; the output stream
 * applies backpressure, so a slow client holds the remuxer, not a growing
 * buffer. The caller's iterator decides how many segments it reads ahead.
 *
 * Timeline: the file starts at 0 on the keyframe at or before `fromMs`
 * (there is no edit list: the frames between that keyframe and `fromMs` are
 * shown). Consecutive segments of one recording run keep their own
 * timestamps; where the run changes or a segment is missing, the next piece
 * is placed right after the previous one, so the file's duration is that of
 * the recorded pieces with the gaps left out.
 *
 * The first segment is demuxed before this resolves: its failure is the
 * caller's to answer (no byte has gone out), and the start time is known for
 * the response headers.
 */
export async function remuxToFragmentedMp4(
  segments: AsyncIterator<SegmentBody>,
  opts: RemuxOptions,
): Promise<RemuxedClip> {
  const firstItem = await segments.next();
  if (firstItem.done) throw new Error("remuxToFragmentedMp4 needs at least one segment");
  // Starting inside the first segment means finding the keyframe at or
  // before `fromMs` and going back to it: that segment is kept whole.
  const startsInside = opts.fromMs - firstItem.value.startMs > 1000;
  const first = await open(firstItem.value, startsInside ? Infinity : SEGMENT_WINDOW_BYTES);
  let key: EncodedPacket;
  let origin: EncodedPacket;
  try {
    const sink = new EncodedPacketSink(first.video);
    const firstPacket = await sink.getFirstPacket();
    if (!firstPacket) throw new Error(`segment ${first.segment.key} holds no video packet`);
    origin = firstPacket;
    const target = origin.timestamp + (opts.fromMs - first.segment.startMs) / 1000;
    key = (await sink.getKeyPacket(target)) ?? origin;
  } catch (err) {
    first.input.dispose();
    throw err;
  }
  const startMs = first.segment.startMs + Math.round((key.timestamp - origin.timestamp) * 1000);

  const target = new Mp4StreamTarget();
  const output = new Output({
    format: new Mp4OutputFormat({ fastStart: "fragmented", minimumFragmentDuration: 1 }),
    target,
  });
  stampRecordingTime(output, startMs);
  const endFragment = fragmentEnder(output);
  const cuts = new FragmentCuts();
  const video = new EncodedVideoPacketSource(first.video.codec === "hevc" ? "hevc" : "avc");
  output.addVideoTrack(video);
  const audio = first.audio ? new EncodedAudioPacketSource("aac") : undefined;
  if (audio) output.addAudioTrack(audio);

  // Only the first segment's decoder settings outlive it (not its bytes).
  const settings: TrackSettings = {
    videoConfig: first.videoConfig,
    audioConfig: first.audioConfig,
  };
  let videoConfigured = false;
  let audioConfigured = false;
  let timeline: Timeline | undefined;

  /** Adds one segment's packets, interleaved by time, from `start` (decode order) and none before `cutoff`. */
  const write = async (seg: OpenedSegment, start?: EncodedPacket, cutoff?: number) => {
    const vsink = new EncodedPacketSink(seg.video);
    const asink = audio && seg.audio ? new EncodedPacketSink(seg.audio) : undefined;
    const firstVideo = start ?? (await vsink.getFirstPacket());
    if (!firstVideo) return;
    const firstAudio = asink && cutoff === undefined ? await asink.getFirstPacket() : null;
    const earliest = cutoff ?? Math.min(firstVideo.timestamp, firstAudio?.timestamp ?? Infinity);
    const shift = shiftFor(timeline, seg.segment, earliest);
    let inputEnd = earliest;
    const audioPackets = asink ? packetsFrom(asink, firstAudio ?? undefined) : undefined;
    const nextAudio = async () => {
      for (;;) {
        const item = await audioPackets?.next();
        if (!item || item.done) return undefined;
        if (cutoff === undefined || item.value.timestamp >= cutoff) return item.value;
      }
    };
    const addAudio = async (a: EncodedPacket) => {
      inputEnd = Math.max(inputEnd, a.timestamp + a.duration);
      await audio!.add(
        a.clone({ timestamp: a.timestamp + shift }),
        audioConfigured ? undefined : { decoderConfig: settings.audioConfig! },
      );
      audioConfigured = true;
    };
    let a = await nextAudio();
    for await (const p of packetsFrom(vsink, firstVideo)) {
      // Leading pictures of an open GOP present before the keyframe and need frames left out.
      if (cutoff !== undefined && p.timestamp < cutoff) continue;
      while (a && a.timestamp <= p.timestamp) {
        await addAudio(a);
        a = await nextAudio();
      }
      if (cuts.before(p.timestamp + shift)) await endFragment();
      inputEnd = Math.max(inputEnd, p.timestamp + p.duration);
      await video.add(
        p.clone({ timestamp: p.timestamp + shift }),
        videoConfigured ? undefined : { decoderConfig: settings.videoConfig },
      );
      videoConfigured = true;
    }
    while (a) {
      await addAudio(a);
      a = await nextAudio();
    }
    timeline = advance(timeline, seg.segment, shift, inputEnd);
  };

  let opened: OpenedSegment | undefined = first;
  const pump = async () => {
    await output.start();
    await write(opened!, key, key.timestamp);
    opened!.input.dispose();
    opened = undefined;
    for (;;) {
      const next = await nextSegment(segments, opts);
      if (!next) break;
      try {
        const change = settingsChange(settings, next);
        if (change) {
          opts.onStop?.(`the ${change} changed; the file ends before it`, next.segment.key);
          break;
        }
        await write(next);
      } finally {
        next.input.dispose();
      }
    }
    await output.finalize();
    target.close();
  };
  pump()
    .catch(async (err) => {
      opened?.input.dispose();
      await output.cancel().catch(() => {});
      target.error(err);
      opts.onStop?.("remuxing failed", "", err);
    })
    // A segment opened ahead and not used (the file ended early) lets its connection go.
    .finally(() => segments.return?.(undefined)?.catch(() => {}));
  return { startMs, body: target.readable };
}

/**
 * A track's packets in decode order from `start` (its first when absent),
 * each read when asked for. mediabunny's own `packets()` reads ahead as
 * many packets as were taken in the last second of wall time: remuxing
 * takes hundreds a second, so it held seconds of frames (megabytes, copied
 * out of the TS packets) per track and ran the two tracks' reading
 * positions megabytes apart.
 */
async function* packetsFrom(
  sink: EncodedPacketSink,
  start?: EncodedPacket,
): AsyncGenerator<EncodedPacket> {
  let packet = start ?? (await sink.getFirstPacket());
  while (packet) {
    yield packet;
    packet = await sink.getNextPacket(packet);
  }
}

/** Seconds from 1904 (the MP4 epoch) to 1970. */
const MP4_EPOCH_OFFSET_SECONDS = 2_082_844_800;

/**
 * Dates the file by when it was recorded, not when it was remuxed: the
 * `date` tag (galleries sort by it) and the movie header's creation time.
 * mediabunny stamps the latter with the current time and has no option for
 * it, so its muxer's field is set when it is there; that also makes the
 * same range give the same bytes on every server.
 */
function stampRecordingTime(output: Output, startMs: number): void {
  output.setMetadataTags({ date: new Date(startMs) });
  const muxer = (output as unknown as { _muxer?: { creationTime?: unknown } })._muxer;
  if (muxer && typeof muxer.creationTime === "number") {
    muxer.creationTime = Math.floor(startMs / 1000) + MP4_EPOCH_OFFSET_SECONDS;
  }
}

/** The next segment opened, or undefined at the end or when it cannot be read (told through onStop). */
async function nextSegment(
  segments: AsyncIterator<SegmentBody>,
  opts: RemuxOptions,
): Promise<OpenedSegment | undefined> {
  const item = await segments.next();
  if (item.done) return undefined;
  try {
    return await open(item.value);
  } catch (err) {
    opts.onStop?.("a segment could not be demuxed; the file ends before it", item.value.key, err);
    return undefined;
  }
}

/** What differs between the clip's first segment and a later one that an MP4 track cannot carry, or undefined. */
function settingsChange(first: TrackSettings, next: TrackSettings): string | undefined {
  const a = first.videoConfig;
  const b = next.videoConfig;
  if (a.codec !== b.codec) return "video codec";
  if (a.codedWidth !== b.codedWidth || a.codedHeight !== b.codedHeight) return "video size";
  const x = first.audioConfig;
  const y = next.audioConfig;
  if (x && y && (x.sampleRate !== y.sampleRate || x.numberOfChannels !== y.numberOfChannels)) {
    return "audio format";
  }
  return undefined;
}

/** A segment's tracks and decoder settings; throws (input disposed) when it has no H.264/HEVC video. */
async function open(
  segment: SegmentBody,
  windowBytes = SEGMENT_WINDOW_BYTES,
): Promise<OpenedSegment> {
  const source = new ReadableStreamSource(segment.body, { maxCacheSize: windowBytes });
  const input = new Input({ source, formats: ALL_FORMATS });
  try {
    const video = await input.getPrimaryVideoTrack();
    if (!video || (video.codec !== "avc" && video.codec !== "hevc")) {
      throw new Error(`segment ${segment.key} has no H.264 or HEVC video track`);
    }
    const videoConfig = await video.getDecoderConfig();
    if (!videoConfig) throw new Error(`segment ${segment.key}: no decoder settings for its video`);
    const a = await input.getPrimaryAudioTrack();
    const audioConfig =
      a?.codec === "aac" ? ((await a.getDecoderConfig()) ?? undefined) : undefined;
    const audio = audioConfig ? (a ?? undefined) : undefined;
    return { segment, input, video, audio, videoConfig, audioConfig };
  } catch (err) {
    input.dispose();
    throw err;
  }
}
