#!/usr/bin/env bash
# Removes the Kiroku recorder service: sudo deploy/raspberry-pi/uninstall.sh
#
#   --purge   also delete /etc/kiroku, the spool in /var/lib/kiroku and the user
#
# Without --purge the settings and the spool stay: segments still in the spool
# have not reached S3 yet, and a later install uploads them.
set -euo pipefail

purge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $arg (use --purge or --help)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "uninstall.sh must run as root: sudo $0 $*" >&2
  exit 1
fi

unit=/etc/systemd/system/kiroku-recorder.service
if [ -e "$unit" ]; then
  systemctl disable --now kiroku-recorder.service || true
  rm -f "$unit"
  systemctl daemon-reload
fi
rm -rf /opt/kiroku
# Undo install.sh's wait for the clock (enabled there, bounded by our drop-in).
wait_sync_dropin=/etc/systemd/system/systemd-time-wait-sync.service.d/kiroku.conf
if [ -e "$wait_sync_dropin" ]; then
  rm -f "$wait_sync_dropin"
  rmdir --ignore-fail-on-non-empty "$(dirname "$wait_sync_dropin")"
  systemctl disable systemd-time-wait-sync.service || true
  systemctl daemon-reload
fi

if [ "$purge" -eq 1 ]; then
  queued="$(find /var/lib/kiroku/spool \( -path '*/queue/*.ts' -o -path '*/held/*.ts' \) 2>/dev/null | wc -l)"
  if [ "$queued" -gt 0 ]; then
    echo "warning: deleting $queued segments that were never uploaded" >&2
  fi
  rm -rf /etc/kiroku /var/lib/kiroku
  if id kiroku >/dev/null 2>&1; then userdel kiroku; fi
  echo "Kiroku recorder removed, with its settings and spool."
else
  echo "Kiroku recorder removed. Kept /etc/kiroku and /var/lib/kiroku (use --purge to delete them)."
fi
