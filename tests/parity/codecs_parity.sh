#!/usr/bin/env bash
# covert's JSON, dotenv, INI and binary codecs against sops v3.13.2's own
# store code (tests/peers/sopsstore), live, byte for byte:
#   - every case under testvectors/codecs/cases/ with every comparison of
#     tests/lib/codecs_actions.sh (tree dump, round trips at several JSON
#     indents, conversions to the other stores, flatten/unflatten);
#   - every .json/.env/.ini file under $COVERT_SHARED/corpus and
#     $COVERT_SHARED/testvectors/sops (tree and round trip with its store,
#     and the binary store on the same bytes).
# An input sops rejects (or crashes on) must be rejected by covert too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/codecs_actions.sh"
: "${COVERT_BUILD:=$ROOT/build}"
: "${COVERT_SHARED:=$ROOT/../shared}"
# SOPSSTORE overrides the peer binary (e.g. a private build while the
# shared cache holds another branch's sopsstore).
SS=${SOPSSTORE:-$PEERS/sops-3.13.2/sopsstore}
DT="$COVERT_BUILD/doctool"

if [ ! -x "$DT" ]; then
    t_fail "doctool missing: $DT (make $COVERT_BUILD/doctool)"
    t_done
    exit 0
fi
if [ ! -x "$SS" ]; then
    t_skip "codec parity" "sopsstore missing at $SS (tests/peers/build.sh)"
    t_done
    exit 0
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# compare LABEL STORE FLAGS... ACTION FILE: same bytes, or both refuse.
compare() {
    local label=$1 store=$2
    shift 2
    local file=${!#} action=${*: -2:1}
    local flags=("${@:1:$#-2}")
    "$SS" "${flags[@]}" "$store" "$action" "$file" >"$W/s.out" 2>"$W/s.err"
    local src=$?
    "$DT" "${flags[@]}" "$store" "$action" "$file" >"$W/c.out" 2>"$W/c.err"
    local crc=$?
    if [ $src -ne 0 ] && [ $crc -ne 0 ]; then
        t_pass "$label (both refuse)"
    elif [ $src -ne 0 ]; then
        t_fail "$label: sops refuses ($(head -1 "$W/s.err")), covert accepts"
    elif [ $crc -ne 0 ]; then
        t_fail "$label: covert refuses ($(head -1 "$W/c.err")), sops accepts"
    elif cmp -s "$W/s.out" "$W/c.out"; then
        t_pass "$label"
    else
        t_fail "$label: output differs ($(cmp "$W/s.out" "$W/c.out" 2>&1 | head -1))"
    fi
}

for dir in "$ROOT"/testvectors/codecs/cases/*/; do
    sub=$(basename "$dir")
    store=$(codec_store "$sub")
    for f in "$dir"*; do
        while read -r name args; do
            # shellcheck disable=SC2086
            compare "$sub/$(basename "$f") $name" "$store" $args "$f"
        done < <(codec_actions "$sub")
    done
done

nshared=0
while IFS= read -r -d '' f; do
    case "$f" in
    *.json) store=json ;;
    *.env) store=dotenv ;;
    *.ini) store=ini ;;
    *) continue ;;
    esac
    rel=${f#"$COVERT_SHARED"/}
    compare "$rel tree" "$store" tree "$f"
    compare "$rel roundtrip" "$store" -indent -1 roundtrip "$f"
    [ "$store" = json ] && compare "$rel roundtrip -indent 4" json -indent 4 roundtrip "$f"
    compare "$rel binary" binary -indent -1 -to json roundtrip "$f"
    nshared=$((nshared + 1))
done < <(find "$COVERT_SHARED/corpus" "$COVERT_SHARED/testvectors/sops" -type f \
    \( -name '*.json' -o -name '*.env' -o -name '*.ini' \) -print0 2>/dev/null | sort -z)
if [ "$nshared" -eq 0 ]; then
    t_skip "shared corpus" "no .json/.env/.ini files under $COVERT_SHARED"
fi
t_done
