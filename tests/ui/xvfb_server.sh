# Sourced by the Xvfb walks against a real server (xvfb_sync_walk_test.sh, xvfb_plan_walk_test.sh):
# strict mode; app, server, size, shots and walks from the arguments; a temporary folder `tmp`,
# removed on exit with the server stopped; SCREENSHOT_DIR emptied; `device`, "phone" below 600 px
# wide, else "desktop" (the walks' @DEVICE@); and serve DIR, which starts `khaosat-server serve`
# over the data folder DIR on a free loopback port and sets `url`.
# Usage: source xvfb_server.sh KHAOSAT_APP KHAOSAT_SERVER WxH SCREENSHOT_DIR
set -euo pipefail
app=$1 server=$2 size=$3 shots=$4
walks=$(cd "$(dirname "${BASH_SOURCE[0]}")/walks" && pwd)
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
rm -rf "$shots"; mkdir -p "$shots"
device=phone
[[ ${size%x*} -ge 600 ]] && device=desktop

serve() {
  # serve prints "khaosat-server: serving DIR on http://HOST:PORT" once it listens; reading that
  # line through a FIFO waits exactly as long as it takes (EOF if the server dies first).
  mkfifo "$tmp/serve.out"
  "$server" serve --data "$1" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
  pid=$!
  exec 3<"$tmp/serve.out"
  local line
  read -r line <&3 || { echo "khaosat-server serve did not start: $(cat "$tmp/serve.err")"; exit 1; }
  url=${line##* on }
  [[ $url == http://127.0.0.1:* ]] || { echo "unexpected serve output: $line"; exit 1; }
}
