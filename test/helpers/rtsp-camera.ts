import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./ffmpeg-tools";

/**
 * A real RTSP camera for tests: Debian's GStreamer RTSP server driven by an
 * inline Python script (run with /usr/bin/python3, which sees python3-gi).
 * It serves H.264 (x264, GOP `gop` frames) and optionally G.711 A-law audio,
 * like a typical IP camera, at `rtsp://127.0.0.1:PORT/cam`. `kill()` and
 * `start()` again on the same port simulate a camera that goes away and comes
 * back; `freeze()`/`thaw()` (SIGSTOP/SIGCONT) a camera that hangs.
 */
export interface RtspCameraOptions {
  port?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** Add a G.711 A-law audio track (what most cameras send). */
  audio?: boolean;
  /** Require these credentials (Basic auth). */
  credentials?: { user: string; password: string };
}

const SCRIPT = `
import sys, gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
port, launch, user, password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
server = GstRtspServer.RTSPServer()
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(launch)
factory.set_shared(True)
if user:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", user)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    perms = GstRtspServer.RTSPPermissions()
    perms.add_role_empty(user)
    perms.add_permission_for_role(user, "media.factory.access", True)
    perms.add_permission_for_role(user, "media.factory.construct", True)
    factory.set_permissions(perms)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    print("FAILED to bind", flush=True)
    sys.exit(3)
print("READY", flush=True)
GLib.MainLoop().run()
`;

export class RtspCamera {
  private proc: ChildProcess | undefined;
  port = 0;

  constructor(private readonly opts: RtspCameraOptions = {}) {}

  /** `rtsp://[user:pass@]127.0.0.1:PORT/cam` */
  get url(): string {
    const c = this.opts.credentials;
    const auth = c ? `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@` : "";
    return `rtsp://${auth}127.0.0.1:${this.port}/cam`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the server (again, on the same port after a kill) and waits until it listens. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = this.opts.port ?? (await freePort());
    const { width = 640, height = 360, fps = 25, gop = 25 } = this.opts;
    let launch = `( videotestsrc is-live=true pattern=ball ! video/x-raw,width=${width},height=${height},framerate=${fps}/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=${gop} bitrate=800 ! rtph264pay name=pay0 pt=96 config-interval=1`;
    if (this.opts.audio) {
      launch += ` audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8`;
    }
    launch += " )";
    const c = this.opts.credentials;
    const proc = spawn(
      "/usr/bin/python3",
      ["-c", SCRIPT, String(this.port), launch, c?.user ?? "", c?.password ?? ""],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.proc = proc;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RTSP camera not ready: ${output}`)), 15_000);
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes("READY")) {
          clearTimeout(timer);
          resolve();
        } else if (output.includes("FAILED")) {
          clearTimeout(timer);
          reject(new Error(`RTSP camera could not bind port ${this.port}: ${output}`));
        }
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", (d) => {
        output += d;
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP camera exited (${code}): ${output}`));
      });
    });
  }

  /** Kills the server at once (the camera vanishes); resolves when it is gone. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await gone;
    this.proc = undefined;
  }

  /** SIGSTOP: the camera hangs with its sockets open. */
  freeze(): void {
    this.proc?.kill("SIGSTOP");
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.proc?.kill("SIGCONT");
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.kill();
  }
}
