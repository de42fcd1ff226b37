#!/usr/bin/env bash
# ML-KEM-768 known answers from Go's crypto/mlkem -> testvectors/mlkem/kat.txt
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT/tests/gen/mlkem_kat"
go run main.go >"$ROOT/testvectors/mlkem/kat.txt"
echo "wrote testvectors/mlkem/kat.txt"
