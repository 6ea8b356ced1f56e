#!/bin/sh
# `khaosat form fill --text` on the built-in form A with the demo's survey with mistakes: each
# violation is shown at its question and in the submission's list, with the form's message in
# the current language (Vietnamese by default, English with --lang). Run by ctest as
# cli.form_fill_text: form_fill_text_test.sh KHAOSAT SOURCE_DIR. Also: `form check` refuses a
# form that loads but cannot start, and warns about a jr:count the session caps.
set -u
khaosat=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

form=$src/forms/a_establishment.md
script=$src/forms/demo/a_mistakes.steps.json
"$khaosat" form fill "$form" "$script" --text >"$tmp/vi" 2>"$tmp/err" || fail "fill (vi) exited $?: $(cat "$tmp/err")"
"$khaosat" form fill "$form" "$script" --text --lang 'English (en)' >"$tmp/en" 2>"$tmp/err" || fail "fill (en) exited $?: $(cat "$tmp/err")"

grep -q 'Lao động nữ: 11   <- constraint Số lao động nữ không được vượt tổng số lao động.' "$tmp/vi" ||
  fail "the Vietnamese constraint message is not at its question"
grep -q '^  /data/a3/workers_female: constraint (Số lao động nữ không được vượt tổng số lao động.)$' "$tmp/vi" ||
  fail "the submission's list lacks the Vietnamese message"
grep -q '^  /data/a1/reg_no: required (Enter the business registration or tax number' "$tmp/en" ||
  fail "the submission's list lacks the English required message"
grep -q '^submission: pending$' "$tmp/en" || fail "a survey with mistakes is not pending"

# form check starts the form too: a cycle through an ancestor only shows when it runs.
printf '| survey |\n| | type | name | label | calculation |\n| | calculate | c | | / |\n| | calculate | e | | concat(${c}, "x") |\n' >"$tmp/cycle.md"
"$khaosat" form check "$tmp/cycle.md" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "form check of a form that cannot start exited $status"
grep -q 'cycle.md: .*calculation cycle' "$tmp/err" || fail "no cycle error: $(cat "$tmp/err")"

# A jr:count above the session's cap of 10,000 instances is capped, and form check says so.
printf '| survey |\n| | type | name | label | repeat_count |\n| | begin repeat | r | R | 1000000000 |\n| | text | q | Q | |\n| | end repeat | | | |\n' >"$tmp/cap.md"
"$khaosat" form check "$tmp/cap.md" >"$tmp/out" 2>"$tmp/err" || fail "form check of the capped form exited $?: $(cat "$tmp/err")"
grep -q '^  warning: /data/r: jr:count asks for 1000000000 instances; a repeat holds at most 10000, so it has 10000$' "$tmp/out" ||
  fail "form check does not warn about the capped jr:count: $(cat "$tmp/out")"

[ "$failures" -eq 0 ] && echo "cli.form_fill_text: all checks passed"
exit "$failures"
