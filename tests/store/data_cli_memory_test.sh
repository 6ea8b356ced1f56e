#!/usr/bin/env bash
# Peak memory of `khaosat` on large inputs (issue 9, "Memory"; docs/limits.md): storing a large
# attachment and `data check` over it stream the file in chunks, so the peak does not grow with
# the file's size; a large inline itemset costs memory in proportion to its items, within a bound
# per item; selects over one list share its evaluated choices. Each command runs as a child
# whose peak RSS (wait4's ru_maxrss) is compared with the same command on a tiny input, so the
# process's own baseline (under ASan: its shadow memory and allocator) cancels out. Sizes only,
# never time.
# Usage: data_cli_memory_test.sh KHAOSAT_BINARY
BENCH_DIR=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../bench")  # before cli_setup's cd
source "$(dirname "${BASH_SOURCE[0]}")/cli_setup.sh" "$1"

# peak_kb CMD...: runs CMD (its output in out.txt, err.txt) and prints its peak RSS in KiB; fails
# the test when CMD does not exit 0.
peak_kb() {
  python3 - "$@" <<'PY'
import os, subprocess, sys
with open("out.txt", "wb") as out, open("err.txt", "wb") as err:
    p = subprocess.Popen(sys.argv[1:], stdout=out, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(f"exit {code}: {' '.join(sys.argv[1:])}: {open('err.txt').read()[:500]}")
print(ru.ru_maxrss)
PY
}

# grown_within NAME SMALL_KB BIG_KB LIMIT_KB: the peak grew by at most LIMIT_KB.
grown_within() {
  local grown=$(( $3 - $2 ))
  echo "$1: peak $2 KiB -> $3 KiB (+$grown KiB; at most +$4 KiB)"
  (( grown <= $4 )) || fail "$1: the peak grew by $grown KiB, more than $4 KiB"
}

cat > form.xml <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Video</h:title><model><instance><data id="video" version="1"><name/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string"/><bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>
</model></h:head><h:body><input ref="/data/name"><label>N</label></input></h:body></h:html>
XML
echo '[{"set": "/data/name", "value": "Video"}]' > fill.json

# A 96 MiB attachment (each MiB different, so nothing compresses or dedups) and a 1 KiB one.
MB=96
python3 - "$MB" <<'PY' || fail "cannot write big.bin"
import sys
with open("big.bin", "wb") as f:
    for i in range(int(sys.argv[1])):
        f.write(bytes([i % 251]) * 4096 + bytes(range(256)) * (1024 * 1024 // 256 - 16))
PY
head -c 1024 big.bin > small.bin
[[ $(stat -c %s big.bin) == $(( MB * 1024 * 1024 )) ]] || fail "big.bin is not $MB MiB"

# Storing: data add --finalize --attach copies and hashes the file in 1 MiB chunks. A quarter of
# the file's size is the bound: reading it whole (or twice, as before) passes it at once.
LIMIT=$(( MB * 1024 / 4 ))
small=$(peak_kb "$K" data add --db small.db form.xml fill.json --finalize --attach small.bin) || fail "$small"
big=$(peak_kb "$K" data add --db big.db form.xml fill.json --finalize --attach big.bin) || fail "$big"
grown_within "data add --attach ($MB MiB)" "$small" "$big" "$LIMIT"

# data check hashes every stored attachment, again as a stream.
small=$(peak_kb "$K" data check --db small.db) || fail "$small"
big=$(peak_kb "$K" data check --db big.db) || fail "$big"
grep -q "big.db: ok (1 submissions, 0 drafts, 1 attachments" out.txt || fail "check of big.db: $(cat out.txt)"
grown_within "data check ($MB MiB stored)" "$small" "$big" "$LIMIT"

# generate FUNCTION FILE N...: FILE made by scripts/bench scale's generator FUNCTION
# (tests/bench/bench_scale.py) with the integer arguments N.
generate() {
  python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import bench_scale
getattr(bench_scale, sys.argv[2])(sys.argv[3], *map(int, sys.argv[4:]))" "$BENCH_DIR" "$@" ||
    fail "cannot write $2"
}
# check_grown_within NAME SMALL_FORM BIG_FORM LIMIT_KB: `form check` of each; the peak grew by at
# most LIMIT_KB.
check_grown_within() {
  local small big
  small=$(peak_kb "$K" form check "$2") || fail "$small"
  big=$(peak_kb "$K" form check "$3") || fail "$big"
  grep -q "$3: ok" out.txt || fail "check of $3: $(cat out.txt)"
  grown_within "$1" "$small" "$big" "$4"
}

# An inline itemset of N items (itemset_xform): the engine's tree (about 170 bytes a node, three
# nodes an item) and the XML parser's while the form loads. Under ASan 200,000 items measured
# 1.45 KiB an item, the Release build 0.87 KiB (docs/limits.md); 2 KiB an item is the bound,
# which a second copy of the instance or of the parser's tree passes.
ITEMS=200000
generate itemset_xform items-small.xml 10
generate itemset_xform items-big.xml "$ITEMS"
check_grown_within "form check, an inline itemset of $ITEMS items" items-small.xml items-big.xml \
  $(( ITEMS * 2 ))

# Selects over one list of 10,000 choices (selects_md): the selects whose itemset reads nothing
# of the select share one evaluated list, so 200 selects cost about what one does, plus their
# own rows. Each select holding its own copy of the choices (about 0.6 MiB each in the Release
# build) passed the bound 200 times over.
SELECTS=200
generate selects_md selects-one.md 1 10000
generate selects_md selects-many.md "$SELECTS" 10000
check_grown_within "form check, $SELECTS selects over one list of 10,000 choices" selects-one.md \
  selects-many.md $(( SELECTS * 40 ))
finish "data_cli_memory: ok"
