#!/usr/bin/env bash
# Installs the Kiroku recorder as a systemd service on Raspberry Pi OS (or any
# Debian with systemd). Run from a checkout: sudo deploy/raspberry-pi/install.sh
#
#   --no-start   install and enable, but do not start the service now
#
# It installs ffmpeg (and v4l-utils for `probe`), builds the recorder, creates
# the system user `kiroku` (groups video and audio), copies the recorder to
# /opt/kiroku (owned by root, writable by nobody else: the code that runs with
# the AWS keys must not be replaceable by the checkout's owner), writes
# /etc/kiroku/recorder.env from the example when missing (an existing one is
# never overwritten) and installs kiroku-recorder.service. It enables
# systemd-time-wait-sync.service, bounded to 30 s, so the recorder starts with
# a synchronised clock when the network allows (a Pi has no real-time clock).
#
# KIROKU_DESTDIR=DIR stages the files under DIR instead of / (packaging,
# tests): no packages, no build (recorder/dist must exist), no user and no
# systemd calls.
set -euo pipefail

start_now=1
for arg in "$@"; do
  case "$arg" in
    --no-start) start_now=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --no-start or --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh must run as root: sudo $0 $*" >&2
  exit 1
fi

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
destdir="${KIROKU_DESTDIR:-}"
prefix="$destdir/opt/kiroku"
etc="$destdir/etc/kiroku"
unit="$destdir/etc/systemd/system/kiroku-recorder.service"
wait_sync_dropin="$destdir/etc/systemd/system/systemd-time-wait-sync.service.d/kiroku.conf"

if [ -z "$destdir" ]; then
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
fi

# A staged tree on a machine without the kiroku user gets root's group; the
# real install has created the user above.
group=kiroku
if [ -n "$destdir" ] && ! getent group kiroku >/dev/null 2>&1; then
  group=root
fi

echo "==> Files"
# Root owns every installed file and nobody else may write one: the service
# runs this code as kiroku, with the AWS keys, so only root may replace it
# (cp -a would keep the checkout owner's uid). A fresh copy each time also
# drops files an older version had.
install -d -m 0755 -o root -g root "$prefix"
rm -rf "$prefix/recorder"
install -d -m 0755 -o root -g root "$prefix/recorder"
cp -R "$repo/recorder/dist/." "$prefix/recorder/"
chown -R root:root "$prefix"
chmod -R u=rwX,go=rX "$prefix"
install -d -m 0750 -o root -g "$group" "$etc"
if [ ! -e "$etc/recorder.env" ]; then
  install -m 0640 -o root -g "$group" "$here/recorder.env.example" "$etc/recorder.env"
  echo "    wrote $etc/recorder.env: edit it (bucket, credentials, camera), then: sudo systemctl restart kiroku-recorder"
else
  echo "    kept the existing $etc/recorder.env"
fi
install -d -m 0755 "$(dirname "$unit")" "$(dirname "$wait_sync_dropin")"
install -m 0644 -o root -g root "$here/kiroku-recorder.service" "$unit"
install -m 0644 -o root -g root "$here/time-wait-sync-timeout.conf" "$wait_sync_dropin"

if [ -n "$destdir" ]; then
  echo "Staged under $destdir (no packages, user or systemd changes)."
  exit 0
fi

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
