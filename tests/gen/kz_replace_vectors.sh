#!/usr/bin/env bash
# Expected outputs of the replacement cases whose behaviour kustomize v5.8
# changed (sourceValue, regex target selection, strings on a path), made
# by the real peer Flux builds with: kustomize v5.8.1 ($PEERS, see
# tests/peers/build.sh) run on every tests/kustomize/cases58/<case>/ into
# testvectors/kustomize/replace58/: <case>.yaml (its exact output) on
# success, <case>.err (its message) on failure. The byte-exact build suite
# tests/unit/test_kz_replace.c also replays the repl_* cases of
# tests/kustomize/cases/ against testvectors/kustomize/patch/.
#
#   tests/gen/kz_replace_vectors.sh [OUT_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/testvectors/kustomize/replace58}
KZ=${KZ:-${PEERS:-$HOME/.cache/covert/peers}/kustomize-5.8.1/kustomize}
mkdir -p "$OUT"
rm -f "$OUT"/*.yaml "$OUT"/*.err
for dir in "$ROOT"/tests/kustomize/cases58/*/; do
    name=$(basename "$dir")
    if "$KZ" build --load-restrictor LoadRestrictionsNone "$dir" >"$OUT/$name.yaml" 2>"$OUT/$name.err"; then
        rm -f "$OUT/$name.err"
    else
        rm -f "$OUT/$name.yaml"
        sed -i 's/^Error: //' "$OUT/$name.err"
    fi
done
"$KZ" version >"$OUT/PEER"
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
