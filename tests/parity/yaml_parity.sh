#!/usr/bin/env bash
# YAML store parity: covert's tree and round trip against sops v3.13.2's own
# store code (tests/peers/sopsstore), byte for byte, with the default indent
# and with -indent 2, over every YAML file of the shared corpus and every
# hand-written case in testvectors/yaml/cases/. A file sops rejects must be
# rejected by covert too.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/harness.sh
B=${1:-${COVERT_BUILD:-build}}
DOCTOOL=$B/doctool
SOPSSTORE=${PEERS:-$HOME/.cache/covert/peers}/sops-3.13.2/sopsstore
SHARED=${COVERT_SHARED:-../shared}

if [ ! -x "$SOPSSTORE" ]; then t_skip "yaml parity" "sopsstore peer not built (tests/peers/build.sh)"; t_done; exit; fi
if [ ! -x "$DOCTOOL" ]; then t_fail "yaml parity: $DOCTOOL missing (make $DOCTOOL)"; t_done; exit; fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run TOOL MODE FILE: MODE is tree, roundtrip or roundtrip2 (-indent 2).
run() {
    case $2 in
    tree) "$1" yaml tree "$3" ;;
    roundtrip) "$1" yaml roundtrip "$3" ;;
    roundtrip2) "$1" -indent 2 yaml roundtrip "$3" ;;
    esac
}

# compare NAME FILE: the same outcome and bytes in every mode.
compare() {
    local name=$1 f=$2 mode es gs
    for mode in tree roundtrip roundtrip2; do
        run "$SOPSSTORE" $mode "$f" >"$TMP/exp" 2>"$TMP/experr"
        es=$?
        run "$DOCTOOL" $mode "$f" >"$TMP/got" 2>"$TMP/err"
        gs=$?
        if [ $es -ne 0 ] && [ $gs -ne 0 ]; then continue; fi
        if [ $es -ne $gs ] || ! cmp -s "$TMP/exp" "$TMP/got"; then
            echo "  $mode: sops exit $es, covert exit $gs: $(head -c 300 "$TMP/experr") | $(head -c 300 "$TMP/err")" >&2
            t_fail "$name"
            return
        fi
    done
    t_pass "$name"
}

n=0
if [ -d "$SHARED/corpus" ]; then
    while IFS= read -r -d '' f; do
        compare "corpus ${f#"$SHARED"/corpus/}" "$f"
        n=$((n + 1))
    done < <(find "$SHARED/corpus" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
else
    t_skip "yaml parity corpus" "no corpus at $SHARED/corpus"
fi
for f in testvectors/yaml/cases/*.yaml; do
    [ -e "$f" ] || continue
    compare "case $(basename "$f")" "$f"
done
t_done
