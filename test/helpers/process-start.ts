import { readdir, readFile } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";

/**
 * When a process really started, read from the kernel (`/proc/PID/stat`
 * field 22, in clock ticks since boot: 10 ms resolution), independent of
 * anything the process logs about itself. Used to time the recorder's
 * ffmpeg start against the daemon's start without trusting either.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Epoch ms of boot, to 10 ms (now minus /proc/uptime). */
async function bootEpochMs(): Promise<number> {
  const uptime = Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]);
  return Date.now() - uptime * 1000;
}

/** Fields of /proc/PID/stat after the command name (field 3 onwards), or undefined when gone. */
async function statFields(pid: number): Promise<{ comm: string; rest: string[] } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    return { comm: text.slice(open + 1, close), rest: text.slice(close + 2).split(" ") };
  } catch {
    return undefined;
  }
}

/** Epoch ms at which process `pid` started, or undefined when it is gone. */
export async function processStartMs(pid: number): Promise<number | undefined> {
  const f = await statFields(pid);
  if (!f) return undefined;
  return (await bootEpochMs()) + (Number(f.rest[19]) / TICKS_PER_SECOND) * 1000;
}

/**
 * Live children of `parentPid` whose command name is `comm` (and, with
 * `argMatch`, one of whose arguments matches), with their start (epoch ms).
 */
export async function childProcesses(
  parentPid: number,
  comm: string,
  argMatch?: RegExp,
): Promise<{ pid: number; startedAtMs: number }[]> {
  const boot = await bootEpochMs();
  const out: { pid: number; startedAtMs: number }[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const f = await statFields(Number(name));
    if (!f || f.comm !== comm || Number(f.rest[1]) !== parentPid) continue;
    if (argMatch) {
      const args = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
      if (!args.split("\0").some((arg) => argMatch.test(arg))) continue;
    }
    out.push({
      pid: Number(name),
      startedAtMs: boot + (Number(f.rest[19]) / TICKS_PER_SECOND) * 1000,
    });
  }
  return out.sort((a, b) => a.startedAtMs - b.startedAtMs);
}

/**
 * A TCP server on loopback that accepts connections and never answers: an S3
 * endpoint that hangs (a black-holed route behind a NAT, a wedged proxy).
 * `close()` drops every connection it holds, so clients see a reset.
 */
export async function startBlackhole(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP proxy on loopback that holds each new connection for `delayMs`
 * before passing it on untouched to `targetPort` (so SigV4 signatures stay
 * valid): an S3 endpoint far away or overloaded, where every request on a
 * fresh connection takes that long.
 */
export async function startSlowProxy(
  targetPort: number,
  delayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = connect({ host: "127.0.0.1", port: targetPort });
      track(upstream);
      upstream.on("close", () => client.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
