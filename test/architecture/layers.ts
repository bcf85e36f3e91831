import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The layers of one package's `src`, lowest first. A source file may import
 * files of its own layer or of a lower one, never of a higher one: that is
 * what keeps the pipeline readable from the folder names alone. Each entry
 * names top-level files (`recorder-config.ts`) or a folder (`spool/`).
 */
export interface PackageLayers {
  src: string;
  layers: { name: string; members: string[] }[];
}

/** recorder: config, then the clock (what time may be trusted), the spool (the durable queue every stage works on), capture, upload, telemetry, and the entry points. */
export const RECORDER_LAYERS: PackageLayers = {
  src: "recorder/src",
  layers: [
    { name: "config", members: ["recorder-config.ts", "source.ts"] },
    { name: "clock", members: ["clock/"] },
    { name: "spool", members: ["spool/"] },
    { name: "capture", members: ["capture/"] },
    { name: "upload", members: ["upload/"] },
    { name: "telemetry", members: ["telemetry/"] },
    { name: "entry", members: ["daemon.ts", "local-capture.ts", "cli.ts", "cli/", "index.ts"] },
  ],
};

/** api: config, then HTTP plumbing, access control, channels, playlists, media (clips remuxed, thumbnails, activity), routes, and the app with its runtime entries. */
export const API_LAYERS: PackageLayers = {
  src: "api/src",
  layers: [
    { name: "config", members: ["api-config.ts", "api-defaults.ts"] },
    { name: "http", members: ["http/"] },
    { name: "access", members: ["access/"] },
    { name: "channels", members: ["channels/"] },
    { name: "playlists", members: ["playlists/"] },
    { name: "media", members: ["media/"] },
    { name: "routes", members: ["routes/"] },
    {
      name: "entry",
      members: [
        "app.ts",
        "bootstrap.ts",
        "node.ts",
        "lambda.ts",
        "lambda-stream.ts",
        "cli.ts",
        "cli/",
        "index.ts",
      ],
    },
  ],
};

export interface ImportViolation {
  file: string;
  imports: string;
  message: string;
}

/** Which layer a path relative to `src` belongs to, or undefined when none claims it. */
export function layerOf(pkg: PackageLayers, relPath: string): number | undefined {
  const idx = pkg.layers.findIndex((layer) =>
    layer.members.some((m) => (m.endsWith("/") ? relPath.startsWith(m) : relPath === m)),
  );
  return idx === -1 ? undefined : idx;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\b[^;"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The module specifiers a source text imports (static, re-exports and dynamic imports; type-only imports too). */
export function importSpecifiers(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) specs.push((m[1] ?? m[2])!);
  return specs;
}

/**
 * Checks one file's imports against the layers. `relFile` is relative to the
 * package's `src`; `source` is its text.
 */
export function checkFile(pkg: PackageLayers, relFile: string, source: string): ImportViolation[] {
  const own = layerOf(pkg, relFile);
  const out: ImportViolation[] = [];
  if (own === undefined) {
    return [
      {
        file: relFile,
        imports: "",
        message: "belongs to no layer: add it to a layer in test/architecture/layers.ts",
      },
    ];
  }
  for (const spec of importSpecifiers(source)) {
    if (!spec.startsWith(".")) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(relFile), spec));
    if (target.startsWith("..")) continue; // outside src (package.json, test helpers)
    const withExt = /\.[a-z]+$/.test(target) ? target : `${target}.ts`;
    const theirs = layerOf(pkg, withExt) ?? layerOf(pkg, `${target}/`);
    if (theirs === undefined || theirs <= own) continue;
    out.push({
      file: relFile,
      imports: spec,
      message: `${pkg.layers[own]!.name} imports ${pkg.layers[theirs]!.name}, which sits above it: move the type or function to the layer that owns it`,
    });
  }
  return out;
}

/** Every `.ts` file below `src`, relative to it. */
export function sourceFiles(srcDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), r);
      else if (entry.name.endsWith(".ts")) files.push(r);
    }
  };
  walk(srcDir, "");
  return files.sort();
}

/**
 * All violations of a package under `root`. Tests are left out: a test sits
 * beside the code it tests and may wire several layers together (the disk
 * guard against a real uploader), which the product code never does.
 */
export function checkPackage(root: string, pkg: PackageLayers): ImportViolation[] {
  const srcDir = path.join(root, pkg.src);
  const product = sourceFiles(srcDir).filter((f) => !f.endsWith(".test.ts"));
  return product.flatMap((f) => checkFile(pkg, f, readFileSync(path.join(srcDir, f), "utf8")));
}
