#!/bin/sh
# `khaosat form convert`: XLSForm -> XForm on stdout or to -o FILE, --help, and the exit codes
# (0 converted, 1 the form has mistakes or cannot be read/written, 2 usage), consistent with
# `khaosat form check`. Run by ctest as cli.form_convert: form_convert_test.sh KHAOSAT FIXTURES.
set -u
khaosat=$1
fixtures=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_status() {  # expect_status WANT DESCRIPTION -- COMMAND...
  want=$1; what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
}

# stdout: a whole XForm
expect_status 0 "convert to stdout" -- "$khaosat" form convert "$fixtures/example_xls/pull_data.xlsx"
grep -q '<instance id="fruits" src="jr://file-csv/fruits.csv"/>' "$tmp/out" || fail "stdout lacks the pulldata instance"
head -c 21 "$tmp/out" | grep -q '^<?xml version="1.0"?>' || fail "stdout does not start with the XML declaration"
[ -s "$tmp/err" ] && fail "stderr not empty on success: $(cat "$tmp/err")"

# -o FILE: nothing on stdout, the file written, and it loads (form check)
expect_status 0 "convert -o" -- "$khaosat" form convert "$fixtures/example_xls/group.md" -o "$tmp/group.xml"
[ -s "$tmp/out" ] && fail "-o also wrote to stdout"
grep -q '<h:html' "$tmp/group.xml" || fail "-o file is not an XForm"
expect_status 0 "form check on the converted file" -- "$khaosat" form check "$tmp/group.xml"

# The form's attachments are not needed to convert it: a workbook whose pulldata() CSV and
# label image are missing converts, with a warning naming the survey row of each (the warnings
# `form check --missing blank` prints), while `form check` refuses it, naming the row.
mkdir "$tmp/noattach"
cp "$fixtures/example_xls/pull_data.xlsx" "$tmp/noattach/"
printf '%s\n' '| survey |' '| | type | name | label | image |' '| | text | a | A | a.png |' >"$tmp/noattach/media.md"
expect_status 0 "convert without the attachment" -- "$khaosat" form convert "$tmp/noattach/pull_data.xlsx"
grep -q '<instance id="fruits" src="jr://file-csv/fruits.csv"/>' "$tmp/out" || fail "no XForm without the attachment"
grep -q "^warning: survey sheet, row .*: the attachment 'fruits.csv' (jr://file-csv/fruits.csv) is not there" "$tmp/err" || fail "no warning naming the survey row: $(cat "$tmp/err")"
grep -q "line [0-9]" "$tmp/err" && fail "the warning names a line of generated XML: $(cat "$tmp/err")"
cp "$tmp/err" "$tmp/convert.err"
expect_status 0 "check --missing blank" -- "$khaosat" form check "$tmp/noattach/pull_data.xlsx" --missing blank
sed -n 's/^  warning: /warning: /p' "$tmp/out" | diff - "$tmp/convert.err" >/dev/null || fail "convert and check warn differently: $(cat "$tmp/out")"
expect_status 1 "check without the attachment" -- "$khaosat" form check "$tmp/noattach/pull_data.xlsx"
grep -q "survey sheet, row .*: the attachment 'fruits.csv'.*the form cannot run without it" "$tmp/err" || fail "check does not name the survey row: $(cat "$tmp/err")"
expect_status 0 "convert without a label image" -- "$khaosat" form convert "$tmp/noattach/media.md"
grep -q "^warning: survey sheet, row 3, column 'image' (E): the media file 'a.png'" "$tmp/err" || fail "no warning for the image: $(cat "$tmp/err")"
expect_status 0 "check without a label image" -- "$khaosat" form check "$tmp/noattach/media.md"

# select_one_external: itemsets.csv (the external_choices sheet) beside the -o XForm
mkdir "$tmp/ext"
expect_status 0 "convert with external_choices" -- "$khaosat" form convert "$fixtures/example_xls/case_insensitivity.xlsx" -o "$tmp/ext/ci.xml"
printf 'LIST_NAME,NAME,LABEL,YES_NO\nc1,n1-e,l1-e,yes\nc1,n2-e,l2-e,yes\n' | cmp -s - "$tmp/ext/itemsets.csv" || fail "itemsets.csv: $(cat "$tmp/ext/itemsets.csv" 2>&1)"
grep -q "query=\"instance('c1')/root/item\[YES_NO= /data/q1 \]\"" "$tmp/ext/ci.xml" || fail "no query for select_one_external"

# A legacy Excel 97-2003 workbook, even under an .xlsx name, is read by what it is. (It names
# questions after the groups they are in, which pyxform allows: names are unique per group.)
xls="$(dirname "$fixtures")/odk-web-forms/preview-service/ifrc-distribution-site-assessment-v1.xlsx"
expect_status 0 "convert an .xls named .xlsx" -- "$khaosat" form convert "$xls" -o "$tmp/ifrc.xml"
grep -q '<bind nodeset="/data/site_ownership/link/link" ' "$tmp/ifrc.xml" || fail "the .xls workbook was not read: $(head -c 300 "$tmp/ifrc.xml")"
mkdir "$tmp/xls" && cp "$xls" "$tmp/xls/ifrc.xls"
expect_status 0 "convert an .xls" -- "$khaosat" form convert "$tmp/xls/ifrc.xls" -o "$tmp/xls/ifrc.xml"
cmp -s "$tmp/ifrc.xml" "$tmp/xls/ifrc.xml" || fail "the .xls and the .xlsx name convert differently"
printf junk >"$tmp/xls/junk.xls"
expect_status 1 "a damaged .xls" -- "$khaosat" form convert "$tmp/xls/junk.xls"
grep -q "not a readable .xls workbook" "$tmp/err" || fail "no reason for a damaged .xls: $(cat "$tmp/err")"

# .csv sources too
expect_status 0 "convert a .csv" -- "$khaosat" form convert "$fixtures/example_xls/widgets.csv" -o "$tmp/w.xml"

# A form with mistakes: exit 1, every mistake on stderr with sheet, row and column
expect_status 1 "form with mistakes" -- "$khaosat" form convert "$fixtures/bug_example_xls/bad_calc.xlsx"
grep -q "survey sheet, row 2, column 'calculation' (D): expression error at character 9" "$tmp/err" || fail "no located error: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "stdout not empty on failure"
# the same exit code as form check gives the same workbook
expect_status 1 "form check agrees" -- "$khaosat" form check "$fixtures/bug_example_xls/bad_calc.xlsx"

# Unreadable or not a workbook: exit 1
expect_status 1 "missing file" -- "$khaosat" form convert "$tmp/nothere.xlsx"
expect_status 1 "not a workbook" -- "$khaosat" form convert "$fixtures/expected_output/pull_data.xml"
grep -q "not an XLSForm workbook" "$tmp/err" || fail "no reason for a non-workbook"
expect_status 1 "unwritable output" -- "$khaosat" form convert "$fixtures/example_xls/group.md" -o "$tmp/no/such/dir/x.xml"

# Usage: exit 2; --help: exit 0 and mentions convert
expect_status 2 "no form" -- "$khaosat" form convert
expect_status 2 "two forms" -- "$khaosat" form convert a.md b.md
expect_status 2 "-o without a value" -- "$khaosat" form convert "$fixtures/example_xls/group.md" -o
# An option of another subcommand is a usage error that names it, not silently ignored (issue 9:
# `--lang Klingon` was ignored).
g="$fixtures/example_xls/group.md"
expect_status 2 "check --lang" -- "$khaosat" form check "$g" --lang Klingon
grep -q "^khaosat form check: --lang is not an option of .form check. (it is one of .form fill.)" "$tmp/err" ||
  fail "check --lang: $(head -c 300 "$tmp/err")"
expect_status 2 "convert --now" -- "$khaosat" form convert "$g" --now 2026-12-07T00:00:00+07:00
grep -q -- "--now is not an option of .form convert." "$tmp/err" || fail "convert --now: $(head -c 300 "$tmp/err")"
expect_status 2 "check -o" -- "$khaosat" form check "$g" -o "$tmp/x.xml"
expect_status 2 "fill -o" -- "$khaosat" form fill "$g" -o "$tmp/x.json"
[ -e "$tmp/x.xml" ] || [ -e "$tmp/x.json" ] && fail "a refused command wrote its output"
expect_status 0 "check --media --missing" -- "$khaosat" form check "$g" --media "$tmp" --missing blank
expect_status 0 "--help" -- "$khaosat" form convert --help
grep -q "convert FORM.xlsx|FORM.md|FORM.csv \[-o FORM.xml\]" "$tmp/out" || fail "--help does not describe convert"
expect_status 0 "top-level --help" -- "$khaosat" --help
grep -q "form convert" "$tmp/out" || fail "khaosat --help does not list form convert"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "form convert: all checks passed"
