#!/usr/bin/env bash
# Runs a walk in the real desktop app under Xvfb (Mesa llvmpipe) at a window size, into a fresh
# database, and checks it passed and left its screenshots as PNG files. Arguments after the
# fourth go to the app as they are (--forms DIR, --dp X).
# Usage: xvfb_walk_test.sh KHAOSAT_APP WALK.json WxH SCREENSHOT_DIR [APP OPTION]...
set -euo pipefail
app=$1 walk=$2 size=$3 shots=$4
shift 4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$shots"; mkdir -p "$shots"
LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1700x24" \
  "$app" --walk "$walk" --screenshots "$shots" --size "$size" --db "$tmp/device.db" --offline \
  --location "22.3862 103.4990 1250 8" --settings "$tmp/settings.json" "$@"
n=$(find "$shots" -name '*.png' | wc -l)
[[ $n -ge 3 ]] || { echo "expected screenshots in $shots, found $n"; exit 1; }
for f in "$shots"/*.png; do
  head -c 8 "$f" | od -An -tx1 | grep -q '89 50 4e 47' || { echo "$f is not a PNG"; exit 1; }
done
echo "walk passed at $size; screenshots in $shots"
