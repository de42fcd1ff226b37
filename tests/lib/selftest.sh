#!/usr/bin/env bash
# Prove the CLI-level suites with age v1.3.1 standing in for covert
# (tests/lib/standin/covert): every check must pass, since covert's CLI is
# meant to behave as age 1.3.1. Run after `make peers`:
#
#   tests/lib/selftest.sh [SUITE_GLOB]      e.g. age_cli
#
# Prints the same summary line as tests/run.sh.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ONLY=${1:-*}
cd "$ROOT"
export COVERT_BIN="$ROOT/tests/lib/standin/covert"
export RESULTS
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
for s in tests/vectors/$ONLY.sh tests/interop/$ONLY.sh tests/cli/$ONLY.sh; do
    [ -f "$s" ] || continue
    echo "[suite] $s (covert = age 1.3.1 stand-in)" >&2
    SUITE=$(basename "$s" .sh) bash "$s" || echo "fail $s: exited non-zero" >>"$RESULTS"
done
passed=$(grep -c '^pass' "$RESULTS")
failed=$(grep -c '^fail' "$RESULTS")
skipped=$(grep -c '^skip' "$RESULTS")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
