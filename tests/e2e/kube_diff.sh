#!/usr/bin/env bash
# `covert diff` against the real kube-apiserver, with `kubectl diff
# --server-side` (the pinned kubectl) as the peer: the same hunks (only
# the header lines, which name kubectl's temporary files, differ), the
# same exit codes, Secret values masked as kubectl masks them, and a
# SOPS-encrypted manifest diffed after decryption in memory without a
# single plaintext value in the output.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
SOPS="$PEERS/sops-3.13.2/sops"
if [ ! -x "$SOPS" ]; then
    t_skip "covert diff" "sops v3.13.2 peer missing (make peers)"
    t_done
    exit 0
fi
cluster_suite

W=$(mktemp -d)
NS=covert-diff-$$
cleanup() {
    cluster_drop_namespace "$NS"
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

write() {
    cat >"$W/m.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: $NS
data:
  a: "1"
  b: $1
---
apiVersion: v1
kind: Secret
metadata:
  name: s
  namespace: $NS
stringData:
  password: $2
  same: unchanged-value
EOF
}
body() { grep -v '^diff \|^--- \|^+++ ' "$1"; }

write two pw-one-$$
"$COVERT" apply -f "$W/m.yaml" >/dev/null 2>&1 || t_fail "setup apply"
"$COVERT" diff -f "$W/m.yaml" >"$W/c0" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$W/c0" ]; then t_pass "no change: exit 0, no output"
else t_fail "no change: exit $rc"; fi

write three pw-two-$$
"${KUBECTL[@]}" diff --server-side --force-conflicts --field-manager covert -f "$W/m.yaml" >"$W/k1" 2>/dev/null
krc=$?
"$COVERT" diff --force-conflicts -f "$W/m.yaml" >"$W/c1" 2>"$W/e1"
crc=$?
if [ $crc -eq 1 ] && [ $krc -eq 1 ]; then t_pass "changes: exit 1, as kubectl diff"
else t_fail "changes: covert exit $crc, kubectl $krc ($(head -1 "$W/e1"))"; fi
if diff <(body "$W/k1") <(body "$W/c1") >"$W/d1"; then t_pass "the same hunks as kubectl diff"
else t_fail "hunks differ from kubectl diff: $(head -5 "$W/d1" | tr '\n' ' ')"; fi
if grep -q "'\*\*\* (before)'" "$W/c1" && grep -q "'\*\*\* (after)'" "$W/c1" &&
    ! grep -q "pw-" "$W/c1"; then
    t_pass "Secret values masked as kubectl masks them"
else
    t_fail "Secret masking"
fi

# The same change from a SOPS-encrypted manifest.
"$AGE131/age-keygen" -o "$W/key.txt" 2>/dev/null
R=$("$AGE131/age-keygen" -y "$W/key.txt")
awk 'BEGIN{RS="---\n"; n=0} {n++; if (n==3) printf "%s", $0}' "$W/m.yaml" >"$W/secret.yaml"
SOPS_AGE_KEY_FILE="$W/key.txt" "$SOPS" encrypt --age "$R" --encrypted-regex '^(data|stringData)$' \
    "$W/secret.yaml" >"$W/secret.enc.yaml"
SOPS_AGE_KEY_FILE="$W/key.txt" "$COVERT" diff --force-conflicts -f "$W/secret.enc.yaml" >"$W/c2" 2>"$W/e2"
rc=$?
if [ $rc -eq 1 ] && grep -q "'\*\*\* (after)'" "$W/c2" && ! grep -q "pw-" "$W/c2" &&
    ! grep -q "sops" "$W/c2"; then
    t_pass "a SOPS-encrypted Secret is diffed decrypted, values masked"
else
    t_fail "SOPS diff: exit $rc $(head -1 "$W/e2")"
fi
t_done
