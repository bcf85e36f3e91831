#!/usr/bin/env bash
# Installs the Kiroku recorder as a systemd service on Raspberry Pi OS (or any
# Debian with systemd). Run from a checkout: sudo deploy/raspberry-pi/install.sh
#
#   --no-start   install and enable, but do not start the service now
#
# It installs ffmpeg (and v4l-utils for `probe`), builds the recorder, creates
# the system user `kiroku` (groups video and audio), copies the recorder to
# /opt/kiroku, writes /etc/kiroku/recorder.env from the example when missing
# (an existing one is never overwritten) and installs kiroku-recorder.service.
# It enables systemd-time-wait-sync.service, bounded to 30 s, so the recorder
# starts with a synchronised clock when the network allows (a Pi has no
# real-time clock).
set -euo pipefail

start_now=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start_now=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --no-start or --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh must run as root: sudo $0 $*" >&2
  exit 1
fi

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
prefix=/opt/kiroku
etc=/etc/kiroku
unit=/etc/systemd/system/kiroku-recorder.service
wait_sync_dropin=/etc/systemd/system/systemd-time-wait-sync.service.d/kiroku.conf

echo "==> Debian packages"
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v v4l2-ctl >/dev/null 2>&1 || missing+=(v4l-utils)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= 20.19 is required (Raspberry Pi OS's own nodejs package is older): install it, then run again." >&2
  exit 1
fi

echo "==> Building the recorder"
owner="$(stat -c %U "$repo")"
if [ "$owner" != root ] && command -v sudo >/dev/null 2>&1; then
  sudo -u "$owner" "$repo/setup.sh"
else
  "$repo/setup.sh"
fi

echo "==> User kiroku"
if ! id kiroku >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/kiroku --no-create-home --shell /usr/sbin/nologin kiroku
fi
usermod -a -G video,audio kiroku

echo "==> Files"
install -d -m 0755 "$prefix/recorder"
cp -a "$repo/recorder/dist/." "$prefix/recorder/"
install -d -m 0750 -o root -g kiroku "$etc"
if [ ! -e "$etc/recorder.env" ]; then
  install -m 0640 -o root -g kiroku "$here/recorder.env.example" "$etc/recorder.env"
  echo "    wrote $etc/recorder.env: edit it (bucket, credentials, camera), then: sudo systemctl restart kiroku-recorder"
else
  echo "    kept the existing $etc/recorder.env"
fi
install -m 0644 "$here/kiroku-recorder.service" "$unit"
install -d -m 0755 "$(dirname "$wait_sync_dropin")"
install -m 0644 "$here/time-wait-sync-timeout.conf" "$wait_sync_dropin"

echo "==> systemd"
systemctl daemon-reload
systemctl enable kiroku-recorder.service
# time-sync.target means "synchronised" only with a wait-sync service enabled.
if systemctl cat systemd-time-wait-sync.service >/dev/null 2>&1; then
  systemctl enable systemd-time-wait-sync.service
else
  echo "    no systemd-time-wait-sync.service here: the recorder starts without waiting for the clock and holds segments until it is synchronised"
fi
if [ "$start_now" -eq 1 ]; then
  systemctl restart kiroku-recorder.service
  echo "    started: journalctl -u kiroku-recorder -f"
fi
echo "Installed. Status: systemctl status kiroku-recorder"
