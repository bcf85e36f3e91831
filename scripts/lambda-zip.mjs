// `pnpm lambda:zip`: packs the API's Lambda bundle (api/dist/lambda/, built by
// `pnpm build`) into api/dist/kiroku-api-lambda.zip, ready for
// `aws lambda update-function-code --zip-file fileb://api/dist/kiroku-api-lambda.zip`,
// and prints its size. A small zip writer of our own (deflate + CRC-32 from
// node:zlib) keeps this free of a native `zip` and of extra packages.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "api/dist/lambda");
const target = path.join(root, "api/dist/kiroku-api-lambda.zip");

/** Files under `dir`, as paths relative to it with forward slashes. */
function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full, base);
    return entry.isFile() ? [path.relative(base, full).split(path.sep).join("/")] : [];
  });
}

/** A zip archive (PKZIP 2.0: deflate, no zip64) of the given files. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  // A fixed timestamp (2026-01-01 00:00) makes the zip reproducible.
  const dosTime = 0;
  const dosDate = ((2026 - 1980) << 9) | (1 << 5) | 1;
  for (const { name, data } of files) {
    const nameBytes = Buffer.from(name, "utf8");
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let names;
  try {
    names = walk(source).sort();
  } catch {
    names = [];
  }
  if (!names.includes("index.mjs")) {
    console.error("api/dist/lambda/index.mjs is missing: run `pnpm build` first");
    process.exit(1);
  }
  const archive = zip(names.map((name) => ({ name, data: readFileSync(path.join(source, name)) })));
  writeFileSync(target, archive);
  const unpacked = names.reduce((n, name) => n + statSync(path.join(source, name)).size, 0);
  console.log(
    `wrote ${path.relative(root, target)}: ${(archive.length / 1024).toFixed(0)} KiB zipped, ${(unpacked / 1024).toFixed(0)} KiB unpacked (${names.length} files); handlers: index.handler (buffered) or stream.handler (function URL InvokeMode RESPONSE_STREAM), runtime nodejs20.x or later`,
  );
}
