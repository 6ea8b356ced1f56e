# Sourced by the `khaosat data` command-line tests (data_cli_test.sh, data_cli_hostile_test.sh,
# data_cli_entities_test.sh): K, the khaosat binary (absolute); a temporary folder T, made the
# current directory and removed on exit (made writable first: a test may take write rights away);
# fail, expect_rc and finish from tests/support/expect.sh.
# Usage: source cli_setup.sh KHAOSAT_BINARY
set -uo pipefail
K=$(realpath "$1")
T=$(mktemp -d)
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../support/expect.sh"
cd "$T"
