#!/usr/bin/env bash
# Every fixture of $COVERT_SHARED/testvectors/sops (files encrypted by real
# sops, 3.7 to 3.13, with the identities that open them) through
# `covert sops decrypt`, against the documented outcome and against real
# sops v3.13.2 run on the same file:
#   ok               exit 0; the JSON rendering equals the independently
#                    decrypted documents of <fixture>.expected.json; the
#                    native output is byte-identical to sops's
#   mac_mismatch     exit 51 as sops; with --ignore-mac the values decrypt
#   gcm_auth_failure exit 25 as sops
#   no_key           exit 128 as sops (no usable identity)
#   needs_pq         a hybrid post-quantum recipient: decrypts, same bytes as sops
# Identities come through SOPS_AGE_KEY_FILE, as users give them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
: "${COVERT_BIN:=$ROOT/build/covert}"
SHARED=${COVERT_SHARED:-$ROOT/../shared}
FIX="$SHARED/testvectors/sops"
SOPS="$PEERS/sops-3.13.2/sops"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -f "$FIX/manifest.json" ]; then
    t_skip "sops fixtures" "no $FIX/manifest.json"
    t_done
    exit 0
fi
if [ ! -x "$SOPS" ]; then
    t_skip "sops fixtures" "sops v3.13.2 peer missing (make peers)"
    t_done
    exit 0
fi
# Never pick up the developer's own keys.
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_SSH_PRIVATE_KEY_CMD

python3 - "$FIX/manifest.json" >"$TMP/list" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["fixtures"]:
    keys = ",".join(f.get("keys") or [])
    print("\t".join([f["file"], f["expect"], f["store"], keys or "-", f.get("expected") or "-"]))
PY

# keyfile KEYS: concatenate the fixture's identity files into one.
keyfile() {
    : >"$TMP/keys.txt"
    [ "$1" = "-" ] && return
    local k
    for k in ${1//,/ }; do
        cat "$FIX/$k" >>"$TMP/keys.txt"
        echo >>"$TMP/keys.txt"
    done
}

# run TOOL ARGS...: exit code in $rc, output in $TMP/out.TOOL
run() {
    local tool=$1
    shift
    if [ "$tool" = sops ]; then
        SOPS_AGE_KEY_FILE="$TMP/keys.txt" "$SOPS" "$@" >"$TMP/out.$tool" 2>"$TMP/err.$tool"
    else
        SOPS_AGE_KEY_FILE="$TMP/keys.txt" "$COVERT_BIN" sops "$@" >"$TMP/out.$tool" 2>"$TMP/err.$tool"
    fi
    rc=$?
}

# same_json FILE EXPECTED.json: our JSON rendering equals the expected documents.
same_json() {
    python3 - "$1" "$2" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))["documents"][0]
# INI: sops (and covert) render the empty DEFAULT section; the independent
# decryption lists values only.
if ours.get("DEFAULT") == {} and "DEFAULT" not in exp:
    del ours["DEFAULT"]
sys.exit(0 if ours == exp else 1)
PY
}

while IFS=$'\t' read -r file expect store keys expected; do
    [ "$expect" = container ] && continue
    keyfile "$keys"
    path="$FIX/$file"
    run sops decrypt "$path"
    src=$rc
    run covert decrypt "$path"
    crc=$rc
    case "$expect" in
    ok | needs_pq)
        if [ "$crc" -eq 0 ] && [ "$src" -eq 0 ] && cmp -s "$TMP/out.sops" "$TMP/out.covert"; then
            t_pass "$file: decrypts as sops does"
        else
            t_fail "$file: covert exit $crc, sops exit $src, outputs differ"
        fi
        if [ "$expected" != "-" ] && [ -f "$FIX/$expected" ]; then
            run covert decrypt --output-type json "$path"
            if [ "$rc" -eq 0 ] && same_json "$TMP/out.covert" "$FIX/$expected"; then
                t_pass "$file: values equal the expected documents"
            else
                t_fail "$file: values differ from $expected"
            fi
        fi
        ;;
    mac_mismatch | gcm_auth_failure | no_key)
        want=$([ "$expect" = mac_mismatch ] && echo 51 || { [ "$expect" = no_key ] && echo 128 || echo 25; })
        if [ "$crc" -eq "$want" ] && [ "$src" -eq "$want" ]; then
            t_pass "$file: $expect (exit $want, as sops)"
        else
            t_fail "$file: $expect: covert exit $crc, sops exit $src, want $want"
        fi
        if [ "$expect" = mac_mismatch ]; then
            run sops decrypt --ignore-mac "$path"
            run covert decrypt --ignore-mac "$path"
            if [ "$rc" -eq 0 ] && cmp -s "$TMP/out.sops" "$TMP/out.covert"; then
                t_pass "$file: --ignore-mac decrypts as sops"
            else
                t_fail "$file: --ignore-mac (exit $rc)"
            fi
        fi
        ;;
    *) t_fail "$file: unknown expectation $expect" ;;
    esac
done <"$TMP/list"
t_done
