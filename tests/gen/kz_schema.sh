#!/usr/bin/env bash
# Regenerate reconcile/kustomize/schema_k8s.c from the OpenAPI schema that
# kustomize embeds (sigs.k8s.io/kustomize/kyaml v0.21.1 = kustomize v5.8.1),
# read through kyaml's own openapi package (tests/gen/kz_schema/main.go).
# Needs Go and the Go module proxy.
#
#   tests/gen/kz_schema.sh [OUT]     default reconcile/kustomize/schema_k8s.c
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/reconcile/kustomize/schema_k8s.c}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$ROOT/tests/gen/kz_schema/main.go" "$WORK/"
cd "$WORK"
go mod init covert.test/kzschema >/dev/null 2>&1
go get sigs.k8s.io/kustomize/kyaml@v0.21.1 >/dev/null 2>&1
go mod tidy >/dev/null 2>&1
nice go run . >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
