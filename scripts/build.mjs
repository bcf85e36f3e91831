// Builds the runnable entry points with esbuild: one ESM file per command.
// Workspace packages (@kiroku/*) and the package's own transitive needs are
// bundled in; the entry's own package dependencies stay external (they are
// installed beside it), except for the Lambda bundle, which carries everything.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv.slice(2);

/** [package, entry source, output file, bundle every dependency?] */
const entries = [
  ["shared", "src/s3-server-cli.ts", "dist/s3-server-cli.js", false],
  ["recorder", "src/cli.ts", "dist/cli.js", false],
  ["api", "src/cli.ts", "dist/cli.js", false],
  ["api", "src/lambda.ts", "dist/lambda/index.mjs", true],
  ["api", "src/lambda-stream.ts", "dist/lambda/stream.mjs", true],
];

const alias = {
  "@kiroku/shared": path.join(root, "shared/src/index.ts"),
  "@kiroku/recorder": path.join(root, "recorder/src/index.ts"),
  "@kiroku/api": path.join(root, "api/src/index.ts"),
};

// Bundled CommonJS code calls require() for Node built-ins; give ESM one.
const banner = {
  js: [
    'import { createRequire as __kirokuCreateRequire } from "node:module";',
    "const require = __kirokuCreateRequire(import.meta.url);",
  ].join("\n"),
};

/**
 * V8 keeps each script's source in memory for as long as the process runs,
 * one byte per character only when every character is Latin-1; a single
 * other character (an em dash in a comment) makes it two bytes per
 * character: 2.4 MB instead of 1.2 MB of the recorder's heap on a Pi.
 * esbuild escapes non-ASCII in code (`charset: "ascii"`) but copies comments
 * as they are: replace what is left, one UTF-16 unit for one, so source map
 * columns stay right.
 */
function oneByteSource(text) {
  return text.replace(/[^\u0000-\u00ff]/g, "?");
}

const started = Date.now();
for (const [pkg, src, out, bundleAll] of entries) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  const entry = path.join(root, pkg, src);
  if (!existsSync(entry)) throw new Error(`build: entry ${pkg}/${src} is missing`);
  const manifest = JSON.parse(readFileSync(path.join(root, pkg, "package.json"), "utf8"));
  const external = bundleAll
    ? []
    : Object.keys(manifest.dependencies ?? {}).filter((name) => !name.startsWith("@kiroku/"));
  const outfile = path.join(root, pkg, out);
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: !bundleAll,
    minify: bundleAll,
    legalComments: "none",
    alias,
    external,
    banner,
    charset: "ascii",
    logLevel: "warning",
    write: false,
  });
  writeAtomically(result.outputFiles);
  console.log(
    `built ${path.relative(root, outfile)} (${(statSync(outfile).size / 1024).toFixed(0)} KiB)`,
  );
}
// The web page: bundled for browsers and shipped beside the API's Node and
// Lambda bundles, which serve it at `/`.
if (only.length === 0 || only.includes("api")) {
  const web = path.join(root, "api/dist/web");
  mkdirSync(path.join(web, "assets"), { recursive: true });
  await build({
    entryPoints: [path.join(root, "api/web/src/main.ts")],
    outfile: path.join(web, "assets/app.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: ["es2020"],
    minify: true,
    sourcemap: true,
    legalComments: "none",
    logLevel: "warning",
  });
  // One style sheet: styles.css (the base) first, then every other
  // api/web/src/*.css (one per part of the page) in name order.
  const cssDir = path.join(root, "api/web/src");
  const sheets = readdirSync(cssDir)
    .filter((f) => f.endsWith(".css") && f !== "styles.css")
    .sort();
  writeFileSync(
    path.join(web, "assets/app.css"),
    ["styles.css", ...sheets]
      .map((f) => `/* ${f} */\n${readFileSync(path.join(cssDir, f), "utf8")}`)
      .join("\n"),
  );
  cpSync(path.join(root, "api/web/index.html"), path.join(web, "index.html"));
  // The Lambda zip carries the page without its source map.
  cpSync(web, path.join(root, "api/dist/lambda/web"), {
    recursive: true,
    filter: (f) => !f.endsWith(".map"),
  });
  console.log(
    `built api/dist/web (${(statSync(path.join(web, "assets/app.js")).size / 1024).toFixed(0)} KiB of script)`,
  );
}
console.log(`build done in ${Date.now() - started} ms`);

/**
 * Replaces each output file in one rename: a CLI started while a build runs
 * (a test running `pnpm recorder --help` beside one that rebuilds) reads the
 * old bundle or the new one, never a half-written file.
 */
function writeAtomically(files) {
  for (const file of files) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    // Scripts get oneByteSource; source maps and other files stay as esbuild made them.
    writeFileSync(temp, /\.m?js$/.test(file.path) ? oneByteSource(file.text) : file.contents);
    renameSync(temp, file.path);
  }
}
