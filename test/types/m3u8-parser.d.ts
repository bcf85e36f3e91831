/** The part of m3u8-parser (Video.js's HLS playlist parser) the tests use. */
declare module "m3u8-parser" {
  export interface ParsedSegment {
    uri: string;
    duration: number;
    timeline: number;
    discontinuity?: boolean;
    dateTimeString?: string;
    programDateTime?: number;
  }
  export interface ParsedManifest {
    targetDuration?: number;
    mediaSequence?: number;
    discontinuitySequence?: number;
    discontinuityStarts: number[];
    endList?: boolean;
    segments: ParsedSegment[];
  }
  export class Parser {
    manifest: ParsedManifest;
    on(event: "warn" | "info", listener: (e: { message: string }) => void): void;
    push(chunk: string): void;
    end(): void;
  }
}
