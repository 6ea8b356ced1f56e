# Sourced by the `khaosat data` command-line tests (data_cli_test.sh, data_cli_hostile_test.sh,
# data_cli_entities_test.sh): K, the khaosat binary (absolute); a temporary folder T, made the
# current directory and removed on exit (made writable first: a test may take write rights away);
# fail(), which counts a failure and goes on; expect_rc CODE CMD..., which runs CMD with its output
# in out.txt and err.txt and fails unless it exits with CODE; finish MESSAGE, which exits 1 if
# anything failed, else prints MESSAGE.
# Usage: source cli_setup.sh KHAOSAT_BINARY
set -uo pipefail
K=$(realpath "$1")
T=$(mktemp -d)
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
cd "$T"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_rc() {  # expect_rc CODE CMD...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local rc=$?
  [[ $rc == "$want" ]] || fail "$* -> exit $rc, wanted $want: $(cat err.txt)"
}
finish() {
  if ((failures)); then echo "$failures failure(s)"; exit 1; fi
  echo "$1"
}
