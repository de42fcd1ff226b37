#!/usr/bin/env bash
# Seeds for tests/fuzz/fuzz_sops_file: the plain files of
# testvectors/sops/plain encrypted by covert (first byte: the store number
# of secrets/sops/store.h), with a throwaway key.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/tests/fuzz/corpus/fuzz_sops_file
C=${COVERT_BIN:-$ROOT/build/covert}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$C" age-keygen -o "$TMP/k" 2>/dev/null
R=$("$C" age-keygen -y "$TMP/k")
mkdir -p "$OUT"
for f in "$ROOT"/testvectors/sops/plain/*; do
    case "$f" in
    *.bin) b=0 ;; *.env) b=1 ;; *.ini) b=2 ;; *.json) b=3 ;; *.yaml) b=4 ;; *) continue ;;
    esac
    { printf "\\$(printf %03o "$b")"; "$C" sops encrypt --age "$R" "$f"; } >"$OUT/$(basename "$f")"
done
