# Sourced by the command-line tests (tests/store/cli_setup.sh, tests/sync/sync_cli_test.sh):
# fail(), which counts a failure and goes on; expect_rc CODE CMD..., which runs CMD with its
# output in out.txt and err.txt (in the current directory) and fails unless it exits with CODE;
# finish MESSAGE, which exits 1 if anything failed, else prints MESSAGE.
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_rc() {  # expect_rc CODE CMD...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local rc=$?
  [[ $rc == "$want" ]] || fail "$* -> exit $rc, wanted $want: $(cat err.txt) $(cat out.txt)"
}
finish() {
  if ((failures)); then echo "$failures failure(s)"; exit 1; fi
  echo "$1"
}
