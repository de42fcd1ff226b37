#!/bin/sh
# Regenerate testvectors/regex/go_replace.json with Go's own regexp package
# (stdlib only) from the input list in cases.py. Not run by make test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mkdir -p "$root/testvectors/regex"
bin=${TMPDIR:-/tmp}/covert-goregex-gen.$$
(cd "$here" && GOFLAGS=-mod=mod nice go build -o "$bin" .)
python3 "$here/cases.py" | "$bin" > "$root/testvectors/regex/go_replace.json"
python3 "$here/eso_case.py" | "$bin" > "$root/testvectors/regex/eso_rewrite.json"
rm -f "$bin"
