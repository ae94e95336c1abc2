#!/usr/bin/env bash
# Renders an fxq HTML report (fxq quantize --html) to a PNG with Debian's headless Chromium, to look
# at the page as a reader would without a desktop:
#
#   tools/render_report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]     # default 1400 x 2400 pixels
#
# The page is self-contained (no script, no URL), so Chromium runs with networking refused
# (--proxy-server to a closed port) and fetches nothing. Installs the Debian package `chromium` when
# it is missing (as root, or with sudo). Not part of the test suite: CI does not need a browser
# (tests/test_report.cpp checks the HTML itself). Exit codes: 0 done, 2 usage, 4 the report is
# missing, 6 the PNG could not be written.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 4 ]; then
  echo "usage: tools/render_report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]" >&2
  exit 2
fi
report=$1 out=$2 width=${3:-1400} height=${4:-2400}
case "$width$height" in *[!0-9]*) echo "render_report.sh: WIDTH and HEIGHT must be numbers of pixels" >&2; exit 2 ;; esac
[ -f "$report" ] || { echo "render_report.sh: $report: no such file" >&2; exit 4; }
out_dir=$(dirname "$out")
[ -d "$out_dir" ] && [ -w "$out_dir" ] || { echo "render_report.sh: $out: folder $out_dir does not exist or is not writable" >&2; exit 6; }

if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "render_report.sh: installing the Debian package chromium" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
profile=$(mktemp -d)
tmp_png="$out.tmp-$$.png"
trap 'rm -rf "$profile" "$tmp_png"' EXIT
# --no-sandbox: Chromium's sandbox needs user namespaces, which containers (and root) often lack.
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$profile" \
  --proxy-server=127.0.0.1:9 --disable-background-networking --disable-component-update --disable-sync \
  --no-first-run --no-default-browser-check \
  --window-size="$width,$height" --screenshot="$tmp_png" "file://$abs_report" >/dev/null 2>"$profile/chromium.log" || {
  echo "render_report.sh: chromium failed:" >&2; tail -5 "$profile/chromium.log" >&2; exit 1; }
[ -s "$tmp_png" ] || { echo "render_report.sh: chromium wrote no screenshot" >&2; tail -5 "$profile/chromium.log" >&2; exit 1; }
mv "$tmp_png" "$out" || { echo "render_report.sh: $out: cannot write" >&2; exit 6; }
echo "render_report.sh: wrote $out (${width}x${height}) from $report"
