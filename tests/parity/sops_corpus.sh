#!/usr/bin/env bash
# The SOPS files of the shared corpus (real home-ops repositories), as its
# README prescribes: their owners' keys are private, so each file is turned
# back into plaintext (every ENC[...] value replaced by a placeholder of its
# type, the sops block dropped), re-encrypted to a test key by real sops
# v3.13.2 with the file's own selection rule and mac_only_encrypted, and
# then:
#   - covert decrypts sops's file to exactly the bytes sops decrypts it to;
#   - sops decrypts covert's encryption of the same plaintext to those bytes;
#   - covert's encrypted file has sops's layout (ciphertexts masked).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
# shellcheck source=../lib/sops_env.sh
. "$ROOT/tests/lib/sops_env.sh"
CORPUS=${COVERT_SHARED:-$ROOT/../shared}/corpus
if [ ! -d "$CORPUS" ]; then
    t_skip "sops corpus" "no corpus at $CORPUS"
    t_done
    exit 0
fi
"$AGE131/age-keygen" -o "$TMP/k.txt" 2>/dev/null
R=$("$AGE131/age-keygen" -y "$TMP/k.txt")
export SOPS_AGE_KEY_FILE="$TMP/k.txt"

# plain FILE OUT: the placeholder plaintext; prints the sops flags that
# reproduce the file's rule ("--encrypted-regex RE" etc., and mac-only).
plain() {
    python3 - "$1" "$2" "$ROOT/tests/lib" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[3])
from sops_rule import strip_sops
src, out = sys.argv[1], sys.argv[2]
t = open(src).read()
n = [0]
def value(m):
    n[0] += 1
    typ = m.group(1)
    return {"int": str(n[0]), "float": f"{n[0]}.5", "bool": "true",
            "comment": f"placeholder comment {n[0]}"}.get(typ, f"placeholder-{n[0]}")
docs = re.split(r"(?m)^---\s*$", t)
flags, keep = [], []
for d in docs:
    d = strip_sops(d, flags)
    d = re.sub(r"ENC\[AES256_GCM,data:[^\]]*?,type:(\w+)\]", value, d)
    keep.append(d)
open(out, "w").write("---\n".join(keep))
print("\n".join(flags))
PY
}

n=0
while IFS= read -r f; do
    rel=${f#"$CORPUS"/}
    name=$(echo "$rel" | tr '/' '_')
    mapfile -t flags < <(plain "$f" "$TMP/$name" | sed "/^$/d")
    g=()
    if [ "${flags[0]:-}" = MAC_ONLY ]; then
        g=(--mac-only-encrypted)
        flags=("${flags[@]:1}")
    fi
    n=$((n + 1))
    if ! "$SOPS" "${g[@]}" encrypt --age "$R" "${flags[@]}" "$TMP/$name" >"$TMP/s.$name" 2>"$TMP/err"; then
        t_fail "$rel: sops could not re-encrypt: $(head -1 "$TMP/err")"
        continue
    fi
    "$SOPS" decrypt "$TMP/s.$name" >"$TMP/want" 2>/dev/null
    if "$COVERT_BIN" sops decrypt "$TMP/s.$name" 2>"$TMP/err" | cmp -s - "$TMP/want"; then
        t_pass "$rel: covert decrypts sops's re-encryption"
    else
        t_fail "$rel: covert decrypt differs: $(head -1 "$TMP/err")"
    fi
    "$COVERT_BIN" sops "${g[@]}" encrypt --age "$R" "${flags[@]}" "$TMP/$name" >"$TMP/c.$name" 2>"$TMP/err"
    if "$SOPS" decrypt "$TMP/c.$name" 2>/dev/null | cmp -s - "$TMP/want"; then
        t_pass "$rel: sops decrypts covert's encryption"
    else
        t_fail "$rel: sops on covert's encryption: $(head -1 "$TMP/err")"
    fi
    if [ "$(sops_mask "$TMP/s.$name")" = "$(sops_mask "$TMP/c.$name")" ]; then
        t_pass "$rel: same layout as sops"
    else
        t_fail "$rel: layout differs"
    fi
done < <(grep -rlZ "ENC\[AES256_GCM" "$CORPUS" | tr '\0' '\n' | sort)
[ "$n" -gt 0 ] || t_fail "no SOPS file found in the corpus"
t_done
