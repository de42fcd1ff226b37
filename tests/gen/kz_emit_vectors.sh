#!/usr/bin/env bash
# Expected output for the kustomize emitter tests (tests/unit/test_kz_emit.c):
# every testvectors/kustomize/emit/cases/NAME.yaml is built as the only
# resource of a kustomization by `kubectl kustomize` (kustomize v5.5), and
# the bytes it prints go to emit/expected/NAME.out; a build that fails
# leaves NAME.err holding the error text instead. kustomize v5.8.1 (from
# $PEERS, tests/peers/build.sh) must print the same bytes, or the script
# stops: the vectors are only kept where both peers agree.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
V="$HERE/../../testvectors/kustomize/emit"
: "${PEERS:=$HOME/.cache/covert/peers}"
KZ="$PEERS/kustomize-5.8.1/kustomize"
command -v kubectl >/dev/null || { echo "kz_emit_vectors: kubectl missing" >&2; exit 1; }
[ -x "$KZ" ] || { echo "kz_emit_vectors: $KZ missing (tests/peers/build.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$V/expected"
rm -f "$V/expected/"*
for f in "$V/cases/"*.yaml; do
    name=$(basename "$f" .yaml)
    d="$tmp/$name"
    mkdir -p "$d"
    cp "$f" "$d/res.yaml"
    printf 'resources:\n- res.yaml\n' > "$d/kustomization.yaml"
    if kubectl kustomize "$d" > "$tmp/k.out" 2> "$tmp/k.err"; then kst=0; else kst=1; fi
    if "$KZ" build "$d" > "$tmp/z.out" 2> "$tmp/z.err"; then zst=0; else zst=1; fi
    if [ "$kst" != "$zst" ] || { [ "$kst" = 0 ] && ! cmp -s "$tmp/k.out" "$tmp/z.out"; }; then
        echo "kz_emit_vectors: $name: kubectl kustomize and kustomize 5.8.1 differ" >&2
        diff "$tmp/k.out" "$tmp/z.out" >&2 || true
        exit 1
    fi
    if [ "$kst" = 0 ]; then
        cp "$tmp/k.out" "$V/expected/$name.out"
    else
        cp "$tmp/k.err" "$V/expected/$name.err"
    fi
done
echo "kz_emit_vectors: $(ls "$V/expected" | wc -l) vectors in $V/expected"
