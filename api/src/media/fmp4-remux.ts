import {
  ALL_FORMATS,
  BufferSource,
  EncodedAudioPacketSource,
  type EncodedPacket,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  Mp4OutputFormat,
  Output,
  StreamTarget,
  type StreamTargetChunk,
} from "mediabunny";
import { type PieceState, placePiece, trimToKeyframe } from "./clip-timeline";

/** One stored MPEG-TS segment, its bytes read whole (a segment is the unit of memory). */
export interface SegmentBytes {
  key: string;
  run: number;
  seq: number;
  /** Wall-clock start from the key (epoch ms). */
  startMs: number;
  bytes: Uint8Array;
}

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

/** What a segment demuxes to: its packets in decode order and the settings a decoder needs. */
interface DemuxedSegment {
  segment: SegmentBytes;
  video: EncodedPacket[];
  audio: EncodedPacket[] | undefined;
  videoConfig: VideoDecoderConfig;
  audioConfig: AudioDecoderConfig | undefined;
}

/**
 * Remuxes MPEG-TS segments (H.264, optional AAC) into one fragmented MP4,
 * without decoding or re-encoding, with mediabunny (pure TypeScript, so it
 * runs on Lambda without ffmpeg).
 *
 * Memory: one segment is demuxed at a time and its packets handed to the
 * muxer, which writes a fragment (moof+mdat) about every second and lets go
 * of it; the output stream applies backpressure, so a slow client holds the
 * remuxer, not a growing buffer. The caller's iterator decides how many
 * segments it reads ahead.
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
  segments: AsyncIterator<SegmentBytes>,
  opts: RemuxOptions,
): Promise<RemuxedClip> {
  const firstItem = await segments.next();
  if (firstItem.done) throw new Error("remuxToFragmentedMp4 needs at least one segment");
  const first = await demux(firstItem.value);
  const trimmed = trimToKeyframe(
    first.video,
    first.audio,
    (opts.fromMs - first.segment.startMs) / 1000,
  );
  first.video = trimmed.video;
  first.audio = trimmed.audio;
  const startMs = first.segment.startMs + Math.round(trimmed.offsetSeconds * 1000);

  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const target = new WritableStream<StreamTargetChunk>({
    write: async (chunk) => {
      await writer.ready;
      await writer.write(chunk.data);
    },
  });
  const writer = pipe.writable.getWriter();
  const output = new Output({
    format: new Mp4OutputFormat({ fastStart: "fragmented", minimumFragmentDuration: 1 }),
    target: new StreamTarget(target),
  });
  const video = new EncodedVideoPacketSource(
    first.videoConfig.codec.startsWith("hvc") ? "hevc" : "avc",
  );
  output.addVideoTrack(video);
  const audio = first.audio ? new EncodedAudioPacketSource("aac") : undefined;
  if (audio) output.addAudioTrack(audio);

  const pump = async () => {
    await output.start();
    let state: PieceState | undefined;
    let current: DemuxedSegment | undefined = first;
    let videoConfigured = false;
    let audioConfigured = false;
    while (current) {
      state = placePiece(state, current.segment, current.video, current.audio);
      const shift = state.shift;
      const addAudio = async (a: EncodedPacket) => {
        await audio!.add(
          a.clone({ timestamp: a.timestamp + shift }),
          audioConfigured ? undefined : { decoderConfig: first.audioConfig! },
        );
        audioConfigured = true;
      };
      const vs = current.video;
      const as = audio ? (current.audio ?? []) : [];
      let ai = 0;
      for (const p of vs) {
        while (ai < as.length && as[ai]!.timestamp <= p.timestamp) {
          await addAudio(as[ai++]!);
        }
        await video.add(
          p.clone({ timestamp: p.timestamp + shift }),
          videoConfigured ? undefined : { decoderConfig: first.videoConfig },
        );
        videoConfigured = true;
      }
      while (ai < as.length) await addAudio(as[ai++]!);
      current = undefined;
      const next = await nextSegment(segments, opts);
      if (!next) break;
      const change = settingsChange(first, next);
      if (change) {
        opts.onStop?.(`the ${change} changed; the file ends before it`, next.segment.key);
        break;
      }
      current = next;
    }
    await output.finalize();
    await writer.close();
  };
  pump().catch(async (err) => {
    await output.cancel().catch(() => {});
    await writer.abort(err).catch(() => {});
    opts.onStop?.("remuxing failed", "", err);
  });
  return { startMs, body: pipe.readable };
}

/** The next segment demuxed, or undefined at the end or when it cannot be read (told through onStop). */
async function nextSegment(
  segments: AsyncIterator<SegmentBytes>,
  opts: RemuxOptions,
): Promise<DemuxedSegment | undefined> {
  const item = await segments.next();
  if (item.done) return undefined;
  try {
    return await demux(item.value);
  } catch (err) {
    opts.onStop?.("a segment could not be demuxed; the file ends before it", item.value.key, err);
    return undefined;
  }
}

/** What differs between the clip's first segment and a later one that an MP4 track cannot carry, or undefined. */
function settingsChange(first: DemuxedSegment, next: DemuxedSegment): string | undefined {
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

/** A segment's packets (decode order) and decoder settings; throws when it has no H.264/HEVC video. */
async function demux(segment: SegmentBytes): Promise<DemuxedSegment> {
  const input = new Input({ source: new BufferSource(segment.bytes), formats: ALL_FORMATS });
  try {
    const v = await input.getPrimaryVideoTrack();
    if (!v || (v.codec !== "avc" && v.codec !== "hevc")) {
      throw new Error(`segment ${segment.key} has no H.264 or HEVC video track`);
    }
    const videoConfig = await v.getDecoderConfig();
    if (!videoConfig) throw new Error(`segment ${segment.key}: no decoder settings for its video`);
    const video = await collect(v);
    const a = await input.getPrimaryAudioTrack();
    const audioConfig =
      a?.codec === "aac" ? ((await a.getDecoderConfig()) ?? undefined) : undefined;
    const audio = a && audioConfig ? await collect(a) : undefined;
    return { segment, video, audio, videoConfig, audioConfig };
  } finally {
    input.dispose();
  }
}

async function collect(track: ConstructorParameters<typeof EncodedPacketSink>[0]) {
  const out: EncodedPacket[] = [];
  for await (const p of new EncodedPacketSink(track).packets()) out.push(p);
  return out;
}
