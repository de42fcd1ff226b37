#!/usr/bin/env bash
# Decryption of kustomize sources before the build, against the Flux
# reference program (tests/peers/fluxbuild models kustomize-controller
# v1.9.4's DecryptSources on sops's own stores): the fixture tests/flux/decsrc
# is copied, the files its ENCRYPT list names are encrypted in place with the
# real sops to a fresh age key, and `covert build --reveal` must print the
# same bytes as fluxbuild for every Kustomization (secretGenerator files of
# every store, key=path sources typed by the key, .dockerconfigjson, env files
# typed dotenv by default, an encrypted patch file, a base reached through
# resources, a component added by spec.components, a Kustomization without
# decryption on the same files, plain files, a missing file).
# Then the secrets-stay-in-memory half: covert writes nothing to the
# repository and no plaintext reaches any file.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
: "${PEERS:=$HOME/.cache/covert/peers}"
FLUXBUILD=$(ls -d "$PEERS"/fluxbuild-*/fluxbuild 2>/dev/null | tail -1)
SOPS="$PEERS/sops-3.13.2/sops"
KEYGEN="$PEERS/age-1.3.1/age-keygen"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
if [ -z "$FLUXBUILD" ] || ! "$FLUXBUILD" --version | grep -q 'decrypt-sources' ||
    [ ! -x "$SOPS" ] || [ ! -x "$KEYGEN" ]; then
    t_skip "flux decrypt sources" "fluxbuild (with decrypt-sources), sops or age-keygen peer missing (tests/peers/build.sh)"
    t_done
    exit 0
fi
TMP=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

"$KEYGEN" -o "$TMP/key.txt" 2>/dev/null
RCPT=$("$KEYGEN" -y "$TMP/key.txt")
REPO="$TMP/repo"
cp -r "$ROOT/tests/flux/decsrc" "$REPO"
encrypted=0
while read -r path type; do
    case "$path" in '#'* | '') continue ;; esac
    if "$SOPS" encrypt --age "$RCPT" --input-type "$type" --output-type "$type" \
        "$REPO/$path" >"$TMP/enc" 2>"$TMP/enc.err"; then
        cp "$TMP/enc" "$REPO/$path"
        encrypted=$((encrypted + 1))
    else
        t_fail "sops encrypt $path" "$(head -3 "$TMP/enc.err")"
    fi
done <"$REPO/ENCRYPT"

SOPS_AGE_KEY_FILE="$TMP/key.txt" "$FLUXBUILD" "$REPO" flux/entry.yaml >"$TMP/go" 2>"$TMP/go.err"
go_rc=$?
find "$REPO" -type f -exec sha256sum {} + | sort >"$TMP/before"
SOPS_AGE_KEY_FILE=/dev/null strace -f -qq -e trace=openat,creat,rename,renameat,renameat2,unlink \
    -o "$TMP/strace" "$COVERT" build "$REPO" --entry flux/entry.yaml --reveal \
    --identity "$TMP/key.txt" >"$TMP/cv" 2>"$TMP/cv.err"
cv_rc=$?
find "$REPO" -type f -exec sha256sum {} + | sort >"$TMP/after"
# Error texts differ by design; everything else must be the same bytes.
sed 's/^# error: .*/# error/' "$TMP/go" >"$TMP/go.cmp"
sed 's/^# error: .*/# error/' "$TMP/cv" >"$TMP/cv.cmp"
n=$(grep -c '^# Kustomization' "$TMP/go")
if [ "$go_rc" -gt 1 ] || [ "$n" -lt 4 ]; then
    t_fail "fluxbuild on the fixture" "rc=$go_rc: $(head -3 "$TMP/go.err")"
elif [ "$go_rc" != "$cv_rc" ] || ! cmp -s "$TMP/go.cmp" "$TMP/cv.cmp"; then
    t_fail "flux decrypt sources" "exit $cv_rc (fluxbuild $go_rc); $(diff "$TMP/go.cmp" "$TMP/cv.cmp" | head -30)"
else
    t_pass "flux decrypt sources: $n Kustomizations ($encrypted encrypted files) identical to fluxbuild"
fi

# The fixture must keep exercising decryption: the reference itself shows
# plaintext from every kind of source, the encrypted file where decryption
# is off, and the failure of the missing file.
# plaintext: every Secret value decoded, and the ConfigMaps, of fluxbuild's output
python3 - "$TMP/go" >"$TMP/go.plain" <<'PY'
import base64, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if not isinstance(doc, dict):
        continue
    for k, v in (doc.get("data") or {}).items():
        print(doc.get("metadata", {}).get("name"), k, end=" ")
        print(base64.b64decode(v).decode("utf-8", "replace") if doc.get("kind") == "Secret" else v)
PY
want_plain="s3cr3t abc123 raw-token-value ini-secret RENAMED_A dockerpw no.extension env-secret from-txt-env hunter2-from-patch from-base base-file-secret from-component"
missing=""
for w in $want_plain; do grep -q "$w" "$TMP/go.plain" || missing="$missing $w"; done
if [ -n "$missing" ] || ! grep -q '^# error' "$TMP/go.cmp" ||
    ! grep -q '^still-encrypted-[a-z0-9]* token.txt {' "$TMP/go.plain"; then
    t_fail "decrypt sources fixture" "the reference no longer shows what the fixture expects:$missing"
else
    t_pass "decrypt sources fixture: every source kind decrypted by the reference, none without decryption"
fi

if cmp -s "$TMP/before" "$TMP/after" && ! grep -E 'O_WRONLY|O_RDWR|O_CREAT|rename|unlink' "$TMP/strace" |
    grep -v -E '"/(proc|dev)/' | grep -q .; then
    t_pass "decrypt sources: nothing written (files unchanged, no file opened for writing)"
else
    t_fail "decrypt sources writes" "$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|rename|unlink' "$TMP/strace" | head -5)"
fi
t_done
