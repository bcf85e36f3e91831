#!/usr/bin/env bash
# Kiroku quick start: sets everything up on a fresh Debian / Raspberry Pi OS
# machine that has Node >= 20.19, then runs one job.
#
#   ./setup.sh demo    set up, then start the demo (embedded S3, test-pattern camera, API, web page)
#   ./setup.sh test    set up (with the test tools), then run the whole test suite
#   ./setup.sh         set up only
#
# It installs only what is missing: pnpm (into .kiroku/tools, no root needed),
# Debian packages via apt-get (ffmpeg; for tests also Chromium, the GStreamer
# RTSP server and a shell linter), using sudo when not root, the workspace's
# dependencies from the committed lock file, and the build.
set -euo pipefail
cd "$(dirname "$0")"
job="${1:-}"
case "$job" in demo|test|"") ;; *) echo "usage: ./setup.sh [demo|test]" >&2; exit 2 ;; esac

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# --- Node -------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= 20.19 is required: install it (e.g. from NodeSource or 'apt-get install nodejs') and run again." >&2
  exit 1
fi
# shellcheck disable=SC2016 # JavaScript, not shell, expands ${...} here
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`Node.js >= 20.19 is required, this is ${process.version}`); process.exit(1) }'

# --- Debian packages ----------------------------------------------------------
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [ "$job" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
  command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
  command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
  command -v unzip >/dev/null 2>&1 || need+=(unzip)
  if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' >/dev/null 2>&1 \
     || ! command -v gst-inspect-1.0 >/dev/null 2>&1 || ! gst-inspect-1.0 x264enc >/dev/null 2>&1; then
    need+=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  step "Installing Debian packages: ${need[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${need[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- pnpm ---------------------------------------------------------------------
# corepack's signature check fails on some machines, and `npm install -g`
# needs root on a Pi: a project-local pnpm avoids both.
pnpm_version="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
tools="$PWD/.kiroku/tools"
if [ ! -x "$tools/node_modules/.bin/pnpm" ] || [ "$("$tools/node_modules/.bin/pnpm" --version)" != "$pnpm_version" ]; then
  step "Installing pnpm $pnpm_version into .kiroku/tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" "pnpm@$pnpm_version" >/dev/null
fi
export PATH="$tools/node_modules/.bin:$PATH"

# --- dependencies and build -----------------------------------------------------
step "Installing dependencies (pnpm install --frozen-lockfile)"
# @20minutes/s3rver names a bin file it does not ship. .pnpmfile.cjs and the
# package's patch drop it, but pnpm links the package's own bin before it
# applies the patch, so that one harmless warning is left out here (and only
# that one: every other line, warnings included, is shown).
pnpm install --frozen-lockfile --reporter=append-only 2>&1 \
  | { grep -v 'WARN.*Failed to create bin at .*/@20minutes/s3rver/node_modules/\.bin/s3rver\. ENOENT' || true; }
step "Building"
pnpm run -s build

case "$job" in
  demo) step "Starting the demo"; exec node scripts/demo.mjs ;;
  test) step "Running the whole test suite"; exec node scripts/test-all.mjs ;;
  *)
    echo
    echo "Set up. Next: ./setup.sh demo   or   ./setup.sh test"
    echo "For the pnpm scripts (pnpm api, pnpm recorder, pnpm bench …): export PATH=\"$tools/node_modules/.bin:\$PATH\""
    ;;
esac
