#!/usr/bin/env bash
# Regenerate the expected outputs of testvectors/yaml/cases/*.yaml with sops
# v3.13.2's own YAML store (tests/peers/sopsstore): for CASE.yaml it writes
# CASE.tree.json (the loaded tree), CASE.expected (round trip, default
# indent) and CASE.indent2.expected (-indent 2), or CASE.error (sops's
# message) when sops rejects the file. Not run by `make test`.
set -eu
cd "$(dirname "$0")/../.."
SOPSSTORE=${PEERS:-$HOME/.cache/covert/peers}/sops-3.13.2/sopsstore
[ -x "$SOPSSTORE" ] || tests/peers/build.sh
for f in testvectors/yaml/cases/*.yaml; do
    base=${f%.yaml}
    rm -f "$base.tree.json" "$base.expected" "$base.indent2.expected" "$base.error"
    if "$SOPSSTORE" yaml tree "$f" >"$base.tree.json" 2>"$base.error"; then
        rm -f "$base.error"
        "$SOPSSTORE" yaml roundtrip "$f" >"$base.expected"
        "$SOPSSTORE" -indent 2 yaml roundtrip "$f" >"$base.indent2.expected"
    else
        rm -f "$base.tree.json"
    fi
done
