#!/bin/bash
# The `khaosat` tool given files that are not what they claim (issue 9): a directory, a FIFO or
# /dev/zero as a form, workbook, script or attachment is refused at once with the path and the
# reason (no crash, no hang, no reading without end); an output never replaces an input
# (compared by file identity: ./x.md and a symlink count). Run by ctest as cli.hostile_files:
# hostile_files_test.sh KHAOSAT FIXTURES.
set -u
khaosat=$1
fixtures=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect WANT DESCRIPTION PATTERN -- COMMAND...: the exit status, and PATTERN in stderr. Every
# command has 20 s: a FIFO that blocks or /dev/zero read to the end would be a timeout (124).
expect() {
  want=$1; what=$2; pattern=$3; shift 4
  timeout 20 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
  [ -z "$pattern" ] || grep -qF -- "$pattern" "$tmp/err" || fail "$what: stderr lacks '$pattern': $(head -c 300 "$tmp/err")"
}

cd "$tmp"
mkdir x.md x.xlsx x.xml script.json
mkfifo pipe.md pipe.json
cp "$fixtures/example_xls/group.md" form.md

for f in x.md x.xlsx; do
  expect 1 "convert a directory $f" "$f: cannot read: it is a directory, not a file" -- "$khaosat" form convert "$f"
done
expect 1 "check a directory" "x.md: cannot read: it is a directory, not a file" -- "$khaosat" form check x.md
expect 1 "check a directory XForm" "x.xml: cannot read: it is a directory, not a file" -- "$khaosat" form check x.xml
expect 1 "fill a directory" "x.md: cannot read: it is a directory, not a file" -- "$khaosat" form fill x.md
expect 1 "convert a FIFO" "pipe.md: cannot read: it is a FIFO (named pipe), not a file" -- "$khaosat" form convert pipe.md
expect 1 "check /dev/zero" "/dev/zero: cannot read: it is a character device, not a file" -- "$khaosat" form check /dev/zero
expect 2 "a directory as the script" "script.json: cannot read: it is a directory, not a file" -- "$khaosat" form fill form.md script.json
expect 2 "/dev/zero as the script" "/dev/zero: cannot read: it is a character device, not a file" -- "$khaosat" form fill form.md /dev/zero
expect 2 "a FIFO as the script" "pipe.json: cannot read: it is a FIFO (named pipe), not a file" -- "$khaosat" form fill form.md pipe.json
expect 2 "data add: a directory as the script" "script.json: cannot read: it is a directory" -- "$khaosat" data add --db d.db form.md script.json
expect 1 "data add: a directory as the form" "x.md: cannot read: it is a directory, not a file" -- "$khaosat" data add --db d.db x.md
expect 2 "data add: a directory attached" "cannot read attachment: x.md: cannot read: it is a directory" -- "$khaosat" data add --db d.db --finalize --attach x.md form.md
expect 2 "data add: /dev/zero attached" "cannot read attachment: /dev/zero: cannot read: it is a character device" -- "$khaosat" data add --db d.db --finalize --attach /dev/zero form.md

# Outputs never replace inputs.
cp form.md before.md
for out in form.md ./form.md "$tmp/form.md"; do
  expect 1 "convert -o $out" "is the input form.md; refusing to write over it" -- "$khaosat" form convert form.md -o "$out"
done
ln -s form.md link.md
expect 1 "convert -o a symlink to the input" "is the input form.md; refusing" -- "$khaosat" form convert form.md -o link.md
cmp -s form.md before.md || fail "form convert replaced its source workbook"
expect 0 "convert -o a new file" "" -- "$khaosat" form convert form.md -o form.xml
grep -q '<h:html' form.xml || fail "convert -o did not write the XForm"
ls -a | grep -q '^\.tmp-' && fail "a temporary file was left behind"

"$khaosat" data add --db e.db --finalize form.md >/dev/null 2>&1 || fail "data add for the export"
cp e.db e.before
expect 1 "export --out the database" "e.db: is the input e.db; refusing to write over it" -- "$khaosat" data export --db e.db --out e.db
cmp -s e.db e.before || fail "data export wrote over its database"
expect 0 "export --out a new file" "" -- "$khaosat" data export --db e.db --out export.json
grep -q '"instance_id"' export.json || fail "export --out did not write the export: $(head -c 200 export.json)"

[ "$failures" -eq 0 ] && echo "cli.hostile_files: all passed"
exit "$failures"
