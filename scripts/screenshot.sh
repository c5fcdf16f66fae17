#!/usr/bin/env bash
# Renders the benchmark page in headless Chromium and saves a PNG screenshot.
#
#   scripts/screenshot.sh [page.html] [out.png] [WIDTHxHEIGHT]
#
# Defaults: bench/results/index.html -> bench/results/screenshot.png at 1400x3000
# (both written locally, neither committed).
# Needs Debian's chromium (`apt-get install -y chromium`, /usr/bin/chromium) or
# $CHROMIUM pointing at a Chromium binary. Networking is off: the page must
# render from the file alone. Exit status 3 when no Chromium is installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
page="$(realpath "${1:-$root/bench/results/index.html}")"
out="$(realpath -m "${2:-$root/bench/results/screenshot.png}")"
size="${3:-1400x3000}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium" ]]; then
  echo "screenshot: no Chromium at $chromium (apt-get install -y chromium, or set CHROMIUM)" >&2
  exit 3
fi
if [[ ! -f "$page" ]]; then
  echo "screenshot: no page at $page (run npm run bench first)" >&2
  exit 2
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
# --virtual-time-budget lets layout finish before the shot; --host-resolver-rules
# makes any network access fail, so an external reference would show as missing.
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --hide-scrollbars --host-resolver-rules='MAP * ~NOTFOUND' \
  --user-data-dir="$profile" --virtual-time-budget=5000 \
  --window-size="${size/x/,}" --screenshot="$out" "file://$page" >/dev/null 2>&1 || true
if [[ ! -s "$out" ]]; then
  echo "screenshot: chromium wrote no screenshot to $out" >&2
  exit 1
fi
echo "$out"
