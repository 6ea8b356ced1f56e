#!/usr/bin/env bash
# The app against a real server, under Xvfb (Mesa llvmpipe): starts `khaosat-server serve` on a
# free loopback port over a fresh data folder (`init` publishes the built-in forms, `enroll
# --role officer --commune binh_lu` gives the code), then walks enroll -> fill form A in
# Vietnamese -> finalize -> sync -> sent (walks/enroll.json + fill_form_a.json + sync_sent.json, with @SERVER_URL@,
# @ENROLL_CODE@ and @DEVICE@ filled in), and checks the screenshots and that the server holds
# the survey. @DEVICE@ is "phone" below 600 px wide, else "desktop" (phone-enroll.png, ...).
# Usage: xvfb_sync_walk_test.sh KHAOSAT_APP KHAOSAT_SERVER WxH SCREENSHOT_DIR
set -euo pipefail
app=$1 server=$2 size=$3 shots=$4
walks=$(cd "$(dirname "$0")/walks" && pwd)
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
rm -rf "$shots"; mkdir -p "$shots"

"$server" init --data "$tmp/server" >/dev/null
code=$("$server" enroll --data "$tmp/server" --role officer --commune binh_lu --name "xvfb walk $size")  # the walk's commune
# serve prints "khaosat-server: serving DIR on http://HOST:PORT" once it listens; reading that
# line through a FIFO waits exactly as long as it takes (EOF if the server dies first).
mkfifo "$tmp/serve.out"
"$server" serve --data "$tmp/server" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
exec 3<"$tmp/serve.out"
read -r line <&3 || { echo "khaosat-server serve did not start: $(cat "$tmp/serve.err")"; exit 1; }
url=${line##* on }
[[ $url == http://127.0.0.1:* ]] || { echo "unexpected serve output: $line"; exit 1; }

device=phone
[[ ${size%x*} -ge 600 ]] && device=desktop
jq -s --arg url "$url" --arg code "$code" --arg device "$device" \
  'add | walk(if type == "string"
              then gsub("@SERVER_URL@"; $url) | gsub("@ENROLL_CODE@"; $code) | gsub("@DEVICE@"; $device)
              else . end)' \
  "$walks/enroll.json" "$walks/fill_form_a.json" "$walks/sync_sent.json" >"$tmp/walk.json"

LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
  "$app" --walk "$tmp/walk.json" --screenshots "$shots" --size "$size" --db "$tmp/device.db" \
  --location "22.3862 103.4990 1250 8" --settings "$tmp/settings.json"

for name in "$device-enroll" "$device-sync" "$device-sent"; do
  [[ -f "$shots/$name.png" ]] || { echo "missing screenshot $shots/$name.png"; exit 1; }
done
for f in "$shots"/*.png; do
  head -c 8 "$f" | od -An -tx1 | grep -q '89 50 4e 47' || { echo "$f is not a PNG"; exit 1; }
done
# The server holds the survey the device says it sent.
n=$("$server" export --data "$tmp/server" --form lc_establishment --format json | jq length)
[[ $n -eq 1 ]] || { echo "the server holds $n form A submissions, expected 1"; exit 1; }
echo "sync walk passed at $size against $url; screenshots in $shots"
