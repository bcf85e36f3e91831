/**
 * ffmpeg arguments that turn a segment's first keyframe into a small JPEG,
 * decoding only that frame: `-skip_frame nokey` makes the decoder drop
 * every other frame unseen, `-frames:v 1` stops at the first picture, one
 * thread keeps it to a sliver of one core on a Pi, and the scale filter
 * keeps the aspect ratio (an even height). Probing is cut to the first
 * 500 kB with no analysis window: the keyframe and its parameter sets open
 * every segment, and ffmpeg's start-up is most of the cost already.
 */
export function thumbnailArgs(input: string, output: string, width: number): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-threads",
    "1",
    "-probesize",
    "500000",
    "-analyzeduration",
    "0",
    "-skip_frame",
    "nokey",
    "-i",
    input,
    "-map",
    "0:v:0",
    "-an",
    "-frames:v",
    "1",
    "-vf",
    `scale=${width}:-2`,
    "-q:v",
    "5",
    "-f",
    "image2",
    "-c:v",
    "mjpeg",
    "-y",
    output,
  ];
}
