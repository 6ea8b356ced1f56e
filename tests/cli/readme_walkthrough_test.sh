#!/usr/bin/env bash
# README.md's "A server, two devices and a sync" block, run as a reader would paste it: the
# fenced block after the `readme-walkthrough` marker, in bash at the top of the repository,
# stopping at the first command that fails. Only two things are changed: the binaries' folder
# (B=...) and the port (a free one, so the test runs beside a real server). Then what the block
# promises is checked: device B sees the establishment device A surveyed, the office's export
# has it, both phones are listed, `check` says whole; and an unknown form id is an error.
# Usage: readme_walkthrough_test.sh BIN_DIR REPO_DIR
set -uo pipefail
BIN=$(realpath "$1")
REPO=$(realpath "$2")
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
source "$(dirname "$0")/../support/expect.sh"

block=$(awk '/readme-walkthrough/ {found=1; next} found && /^```sh/ {inside=1; next}
             inside && /^```/ {exit} inside {print}' "$REPO/README.md")
[[ -n "$block" ]] || { echo "FAIL: no readme-walkthrough block in README.md"; exit 1; }
grep -q '^B=build/release/bin' <<<"$block" || fail "the block does not start with B=build/release/bin"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
script=$(sed -e "s#^B=build/release/bin#B=$BIN#" -e "s#8742#$PORT#g" <<<"$block")

cd "$REPO"
TMPDIR="$T" bash -e -o pipefail -c "$script" >"$T/out.txt" 2>"$T/err.txt"
rc=$?
[[ $rc == 0 ]] || fail "the walkthrough stopped with exit $rc: $(tail -5 "$T/err.txt") $(tail -5 "$T/out.txt")"
out=$(cat "$T/out.txt")
grep -q "serving" <<<"$out" || fail "the server did not say it serves: $out"
# Device B's registry (printed before the export) and the office's CSV both have A's survey.
[[ $(grep -c "HTX Chè Bình Lư" <<<"$out") -ge 2 ]] || fail "A's establishment is not on B and in the export: $out"
grep -q "phone A" <<<"$out" && grep -q "phone B" <<<"$out" || fail "devices does not list both phones: $out"
W=$(ls -d "$T"/tmp.* 2>/dev/null | head -1)
[[ -d "$W/office" ]] || fail "the block's data folder is not under TMPDIR"

# The mistake the old README made: a form's file name instead of its form_id.
cd "$T"
expect_rc 2 "$BIN/khaosat-server" export --data "$W/office" --form a_establishment --format csv
grep -q "form 'a_establishment' is not published here (published: .*lc_establishment" err.txt ||
  fail "an unknown form id: $(cat err.txt)"
[[ -s out.txt ]] && fail "an unknown form id still printed: $(cat out.txt)"
finish "the README's server walkthrough runs as written"
