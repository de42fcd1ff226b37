#!/usr/bin/env bash
# Vectors for reconcile/flux/gen.c: the kustomization fluxcd/pkg/kustomize's
# own Generator (v1.35.4, tests/peers/fluxgen) writes for every case under
# tests/flux/gen/<case>/ (ks.yaml = the Flux Kustomization, repo/ = the
# source), into testvectors/fluxwalk/gen/<case>.yaml. A case the generator
# refuses gives a single line "error: MESSAGE" (absolute paths made
# relative to the case).
#   tests/gen/flux_gen_vectors.sh            (fluxgen from tests/peers/build.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$HOME/.cache/covert/peers}
BIN="$PEERS/fluxgen/fluxgen"
if [ ! -x "$BIN" ]; then
    mkdir -p "$PEERS/fluxgen"
    (cd "$ROOT/tests/peers/fluxgen" &&
        env GOPATH="$PEERS/go" GOCACHE="$PEERS/go-build" GOFLAGS="-mod=mod -modcacherw" \
            nice go build -o "$BIN" .)
fi
"$BIN" --version
OUT="$ROOT/testvectors/fluxwalk/gen"
mkdir -p "$OUT"
for c in "$ROOT"/tests/flux/gen/*/; do
    name=$(basename "$c")
    "$BIN" "$c/repo" "$c/ks.yaml" | sed "s#$c/repo/##g; s#${c%/}/repo/##g" >"$OUT/$name.yaml" || true
    echo "$name: $(head -1 "$OUT/$name.yaml")"
done
