#!/usr/bin/env bash
# Expected outputs of the kustomize patch/selector/replacement cases, made
# by the real peer: `kubectl kustomize` (kustomize v5.5.0 embedded) run on
# every tests/kustomize/cases/<case>/ into testvectors/kustomize/patch/:
# <case>.yaml on success, <case>.err (the peer's message) on failure.
#
#   tests/gen/kz_patch_vectors.sh [OUT_DIR]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/testvectors/kustomize/patch}
KUBECTL=${KUBECTL:-kubectl}
mkdir -p "$OUT"
rm -f "$OUT"/*.yaml "$OUT"/*.err
for dir in "$ROOT"/tests/kustomize/cases/*/; do
    name=$(basename "$dir")
    if out=$("$KUBECTL" kustomize --load-restrictor=LoadRestrictionsNone "$dir" 2>"$OUT/$name.stderr"); then
        printf '%s\n' "$out" >"$OUT/$name.yaml"
        rm -f "$OUT/$name.stderr"
    else
        # kubectl prefixes klog noise; keep the error text only.
        sed -n 's/.*err="\(.*\)"$/\1/p' "$OUT/$name.stderr" >"$OUT/$name.err"
        # A multi-line message (err=< ... >): drop klog's time-stamped prefix.
        [ -s "$OUT/$name.err" ] ||
            sed 's/^E[0-9]* [0-9:.]* *[0-9]* run.go:[0-9]*\] //' "$OUT/$name.stderr" >"$OUT/$name.err"
        rm -f "$OUT/$name.stderr"
    fi
done
"$KUBECTL" version --client 2>/dev/null | sed -n 's/^Kustomize Version: /kustomize /p' >"$OUT/PEER"
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
