import { readFile } from "node:fs/promises";

/**
 * Who is publishing to an RTMP listener: the remote address of the
 * established TCP connection on the listening port, read from the kernel's
 * socket tables (ffmpeg does not log its peer). It goes into the run's
 * history record, like OSS LiveChannel's RemoteAddr. Linux only; undefined
 * anywhere else, or when nobody is connected.
 */
export async function rtmpPeerAddress(
  port: number,
  procRoot = "/proc",
): Promise<string | undefined> {
  for (const table of ["net/tcp", "net/tcp6"]) {
    const text = await readFile(`${procRoot}/${table}`, "utf8").catch(() => "");
    const peer = establishedPeers(text, port)[0];
    if (peer) return peer;
  }
  return undefined;
}

const ESTABLISHED = "01";

/** `ADDRESS:PORT` of every established connection whose local port is `port`, in table order. */
export function establishedPeers(table: string, port: number): string[] {
  const peers: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (state !== ESTABLISHED || !local || !remote) continue;
    if (Number.parseInt(local.split(":")[1] ?? "", 16) !== port) continue;
    const [hexAddress = "", hexPort = ""] = remote.split(":");
    const address = decodeAddress(hexAddress);
    if (address) peers.push(`${address}:${Number.parseInt(hexPort, 16)}`);
  }
  return peers;
}

/**
 * The kernel prints addresses as 32-bit words in host byte order (little
 * endian on every Raspberry Pi and PC): 8 hex digits for IPv4, 32 for IPv6.
 * IPv4-mapped IPv6 addresses come out as plain IPv4.
 */
function decodeAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(chunk.slice(i, i + 2), 16));
  }
  if (bytes.length === 4) return bytes.join(".");
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return bytes.slice(12).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `[${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}]`;
}
