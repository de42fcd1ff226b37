#!/usr/bin/env bash
# ctgrind-style constant-time check of ML-KEM-768 (see ct_mlkem.c): valgrind
# must report nothing beyond the suppressed public matrix sampling.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
: "${COVERT_BUILD:=$ROOT/build}"
if ! command -v valgrind >/dev/null || [ ! -f /usr/include/valgrind/memcheck.h ]; then
    t_skip "mlkem constant time" "valgrind or its headers missing"
    t_done
    exit 0
fi
if [ ! -f "$COVERT_BUILD/libcovert.a" ]; then
    t_fail "mlkem constant time: $COVERT_BUILD/libcovert.a not built"
    t_done
    exit 0
fi
BIN=$(mktemp)
trap 'rm -f "$BIN"' EXIT
# shellcheck disable=SC2046
if ! cc -std=c11 -O2 -g -I"$ROOT" -include crypto/base/prelude.h -o "$BIN" \
    "$ROOT/tests/ct/ct_mlkem.c" "$COVERT_BUILD/libcovert.a" \
    $(pkg-config --libs libsodium openssl) -lz -lm; then
    t_fail "mlkem constant time: probe does not build"
elif valgrind --quiet --error-exitcode=9 --suppressions="$ROOT/tests/ct/ct_mlkem.supp" "$BIN"; then
    t_pass "mlkem constant time"
else
    t_fail "mlkem constant time: secret-dependent branch or index (see valgrind output)"
fi
t_done
