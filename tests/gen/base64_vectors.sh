#!/bin/bash
# Base64 vectors from GNU coreutils' base64 (the peer): each line is
# "<input as hex> <standard padded base64>". Inputs: every length 0..40 of a
# byte ramp (every tail and block boundary of the encoder's 6/8-byte steps),
# all 256 byte values, and 4096 bytes covering every 12-bit pair.
set -euo pipefail
out="$(dirname "$0")/../../testvectors/base64/coreutils.txt"
emit() { # $1 = hex input
    local b64
    b64=$(printf '%s' "$1" | xxd -r -p | base64 -w0)
    printf '%s %s\n' "${1:--}" "${b64:--}"
}
{
    ramp=$(python3 -c 'print(bytes((i * 37 + 11) & 255 for i in range(40)).hex())')
    for n in $(seq 0 40); do emit "${ramp:0:$((2 * n))}"; done
    emit "$(python3 -c 'print(bytes(range(256)).hex())')"
    emit "$(python3 -c 'print(b"".join(bytes([(v >> 4) & 255, ((v & 15) << 4) | (v >> 8), v & 255]) for v in range(0, 4096, 3)).hex()[:8192])')"
    emit "$(python3 -c 'import hashlib; print(b"".join(hashlib.sha256(bytes([i])).digest() for i in range(128)).hex())')"
} >"$out"
echo "wrote $out"
