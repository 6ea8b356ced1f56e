#!/usr/bin/env bash
# scripts/demo, the README's run command, on a machine without a display: every step runs
# (forms checked, form A filled, a survey with mistakes refused, surveys stored in a device
# database, form C converted), then the app is walked under Xvfb against a real khaosat-server
# and the screenshots it names exist. It broke once without any test noticing (form B's
# external craft-village list was missing from a step's --media).
# Usage: demo_test.sh BIN_DIR SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
rc=0
env -u DISPLAY KHAOSAT_BIN_DIR="$BIN" KHAOSAT_DEMO_DIR="$T/demo" bash "$SRC/scripts/demo" > "$T/log" 2>&1 || rc=$?
[[ $rc == 0 ]] || { tail -30 "$T/log" >&2; fail "scripts/demo exited $rc"; }
for step in "== 1." "== 2." "== 3." "== 4." "finalize, sync, sent); screenshots:"; do
  grep -qF -- "$step" "$T/log" || fail "scripts/demo did not reach '$step'"
done
if grep -E "not found|cannot|error:" "$T/log" | grep -v "is refused" | grep -v "^  " > "$T/bad"; then
  fail "scripts/demo printed errors: $(head -5 "$T/bad")"
fi
for png in 360x800/phone-sent.png 1280x800/desktop-sent.png; do
  [[ -s "$T/demo/screenshots/$png" ]] || fail "no screenshot $png (the demo says: $(tail -3 "$T/log"))"
  grep -qF "$T/demo/screenshots/${png%%/*}/" "$T/log" || fail "the demo does not say where $png is"
done
echo "demo_test: ok"
