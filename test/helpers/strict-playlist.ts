import { type ParsedManifest, Parser } from "m3u8-parser";

/** A playlist as Video.js's parser reads it, with every warning it raised. */
export interface StrictPlaylist {
  manifest: ParsedManifest;
  warnings: string[];
}

/** Parses M3U8 text with m3u8-parser (npm), collecting its warnings instead of printing them. */
export function parseStrict(text: string): StrictPlaylist {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on("warn", (e) => warnings.push(e.message));
  parser.push(text);
  parser.end();
  return { manifest: parser.manifest, warnings };
}
