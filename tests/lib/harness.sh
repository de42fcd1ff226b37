# Shared shell test harness. Source it from a suite script; report each case
# with t_pass / t_fail / t_skip. Counts go to $RESULTS (one line per case) so
# tests/run.sh can total every suite. With CI=true a skip is a failure: CI
# never silently skips.
: "${RESULTS:=/dev/null}"
: "${SUITE:=$(basename "$0" .sh)}"
T_PASS=0
T_FAIL=0
T_SKIP=0

t_pass() { T_PASS=$((T_PASS + 1)); echo "pass $SUITE: $*" >>"$RESULTS"; }
t_fail() {
    T_FAIL=$((T_FAIL + 1))
    echo "fail $SUITE: $*" >>"$RESULTS"
    echo "FAIL [$SUITE] $*" >&2
}
t_skip() {
    if [ "${CI:-}" = "true" ]; then
        t_fail "$1 (prerequisite missing in CI: ${2:-})"
        return
    fi
    T_SKIP=$((T_SKIP + 1))
    echo "skip $SUITE: $1 (${2:-})" >>"$RESULTS"
    echo "SKIP [$SUITE] $1: ${2:-}" >&2
}
# t_check NAME CMD...: pass if CMD succeeds.
t_check() {
    local name=$1
    shift
    if "$@"; then t_pass "$name"; else t_fail "$name"; fi
}
# t_done: print the suite's totals. Run standalone (no $RESULTS from
# tests/run.sh) it also returns non-zero when a case failed; under run.sh the
# failures are already counted, so it returns 0.
t_done() {
    echo "[$SUITE] $T_PASS passed, $T_FAIL failed, $T_SKIP skipped" >&2
    [ "$RESULTS" != /dev/null ] || [ "$T_FAIL" -eq 0 ]
}

# Locations of the peers (tests/peers/build.sh puts them there).
: "${PEERS:=$HOME/.cache/covert/peers}"
AGE131="$PEERS/age-1.3.1"
AGE111_BIN=/usr/bin/age
AGE111_KEYGEN=/usr/bin/age-keygen

# err_head FILE: the first stderr line cut to its message head: "PROG: error:
# MESSAGE" up to the first ": " of MESSAGE. covert matches age's messages to
# this depth; the tails can carry Go library internals (for example
# "crypto/ecdh: bad X25519 remote ECDH input") that are not an interface.
err_head() {
    local l rest
    l=$(head -1 "$1")
    case "$l" in
    *": error: "*)
        rest=${l#*: error: }
        printf '%s: error: %s\n' "${l%%: error: *}" "${rest%%: *}"
        ;;
    *) printf '%s\n' "$l" ;;
    esac
}
