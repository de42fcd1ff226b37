#!/usr/bin/env bash
# Run every suite and print one summary line "N passed, N failed[, N skipped]".
#   unit      Criterion (tests/unit/*.c, one binary)
#   fuzz      corpus replay of every fuzz target (tests/fuzz/corpus/<target>/)
#   shell     every tests/<suite>/*.sh that sources tests/lib/harness.sh
#             (vectors, interop, cli, ...)
# Usage: tests/run.sh [BUILD_DIR] [SUITE_GLOB]
set -u
O=${1:-build}
ONLY=${2:-*}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export COVERT_BIN="$ROOT/$O/covert" COVERT_BUILD="$ROOT/$O"
# Shared material (vectors, corpus, CRDs) is read in place, never copied.
if [ -z "${COVERT_SHARED:-}" ] && [ -d "$ROOT/../shared" ]; then
    COVERT_SHARED=$(cd "$ROOT/../shared" && pwd)
fi
export COVERT_SHARED=${COVERT_SHARED:-$ROOT/../shared}
export RESULTS
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
passed=0 failed=0 skipped=0

# run_unit BINARY LABEL [ENV...]: one Criterion binary; skips fail in CI.
run_unit() {
    local bin=$1 label=$2 log
    shift 2
    log=$(mktemp)
    env "$@" "$bin" --jobs 2 >"$log" 2>&1
    local rc=$?
    grep -E "^\[----\]|FAIL|Crash|Warning" "$log" | head -50 >&2
    local syn
    syn=$(grep -E "Synthesis:" "$log" | tail -1)
    echo "[$label] $syn" >&2
    local skips
    skips=$(grep -c '^\[SKIP\]' "$log")
    for ((i = 0; i < skips; i++)); do
        if [ "${CI:-}" = true ]; then echo "fail $label: skipped in CI" >>"$RESULTS"; else echo "skip $label" >>"$RESULTS"; fi
    done
    [ "$skips" -gt 0 ] && grep -A1 '^\[SKIP\]' "$log" | head -20 >&2
    if [ -z "$syn" ] || { [ "$rc" -ne 0 ] && ! grep -q "Failing: [1-9]" <<<"$syn"; }; then
        echo "fail $label: criterion exited $rc ($syn)" >>"$RESULTS"
        tail -20 "$log" >&2
    else
        local t p f c
        t=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$syn")
        p=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$syn")
        f=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$syn")
        c=$(sed -E 's/.*Crashing: ([0-9]+).*/\1/' <<<"$syn")
        for ((i = 0; i < p; i++)); do echo "pass $label" >>"$RESULTS"; done
        for ((i = 0; i < f; i++)); do echo "fail $label" >>"$RESULTS"; done
        : "$t" "$c"
    fi
    rm -f "$log"
}

run_fuzz_replay() {
    local bin name corpus
    for bin in "$O"/replay/fuzz_*; do
        [ -x "$bin" ] || continue
        name=$(basename "$bin")
        corpus="tests/fuzz/corpus/$name"
        if [ ! -d "$corpus" ]; then
            echo "fail fuzz: $name has no corpus in $corpus" >>"$RESULTS"
            echo "FAIL [fuzz] $name: no corpus" >&2
            continue
        fi
        if "$bin" "$corpus" >/dev/null 2>&1; then
            echo "pass fuzz: $name" >>"$RESULTS"
        else
            echo "fail fuzz: $name" >>"$RESULTS"
            echo "FAIL [fuzz] $name crashed on its corpus" >&2
        fi
    done
}

run_shell_suites() {
    local s
    for s in tests/*/$ONLY.sh; do
        [ -f "$s" ] || continue
        case "$s" in tests/lib/* | tests/peers/* | tests/gen/* | tests/cluster/*) continue ;; esac
        echo "[suite] $s" >&2
        SUITE=$(basename "$s" .sh) bash "$s" || echo "fail $s: exited non-zero" >>"$RESULTS"
    done
}

if [ "$ONLY" = "*" ]; then
    if [ "${CI:-}" = true ] && [ ! -d "$COVERT_SHARED/testvectors" ]; then
        echo "fail shared: no shared material at $COVERT_SHARED" >>"$RESULTS"
    fi
    run_unit "$O/unit-tests" unit
    # CI runs the unit suites under AddressSanitizer + UBSan as well.
    if [ -x build-asan/unit-tests ]; then
        run_unit build-asan/unit-tests unit-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp"
    elif [ "${CI:-}" = true ]; then
        echo "fail unit-asan: build-asan/unit-tests was not built" >>"$RESULTS"
    fi
    run_fuzz_replay
fi
run_shell_suites

passed=$(grep -c '^pass' "$RESULTS")
failed=$(grep -c '^fail' "$RESULTS")
skipped=$(grep -c '^skip' "$RESULTS")
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
