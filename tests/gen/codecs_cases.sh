#!/usr/bin/env bash
# Regenerate testvectors/codecs/expected/ from sops v3.13.2's own store code
# (tests/peers/sopsstore): for every case under testvectors/codecs/cases/
# and every comparison in tests/lib/codecs_actions.sh, the peer's output is
# written to expected/SUB/FILE.NAME, or its first error line to
# expected/SUB/FILE.NAME.err when sops rejects the input (a crash of sops
# counts as a rejection). The inputs themselves: tests/gen/codecs_inputs.py.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/codecs_actions.sh"
: "${PEERS:=$HOME/.cache/covert/peers}"
# SOPSSTORE overrides the peer binary (e.g. a private build while the
# shared cache holds another branch's sopsstore).
SS=${SOPSSTORE:-$PEERS/sops-3.13.2/sopsstore}
[ -x "$SS" ] || { echo "missing $SS (run tests/peers/build.sh)" >&2; exit 1; }
CASES="$ROOT/testvectors/codecs/cases"
EXP="$ROOT/testvectors/codecs/expected"
rm -rf "$EXP"
n=0
for dir in "$CASES"/*/; do
    sub=$(basename "$dir")
    store=$(codec_store "$sub")
    mkdir -p "$EXP/$sub"
    for f in "$dir"*; do
        base=$(basename "$f")
        while read -r name args; do
            set -- $args
            action=${!#}
            flags=("${@:1:$#-1}")
            out="$EXP/$sub/$base.$name"
            if "$SS" "${flags[@]}" "$store" "$action" "$f" >"$out" 2>"$out.stderr"; then
                rm -f "$out.stderr"
            else
                head -1 "$out.stderr" >"$out.err"
                rm -f "$out" "$out.stderr"
            fi
            n=$((n + 1))
        done < <(codec_actions "$sub")
    done
done
echo "codecs: $n expected outputs in $EXP"
