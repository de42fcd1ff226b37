#!/usr/bin/env bash
# covert build without a cluster, decryption Secret rendered by the
# repository (issue 5 §2.2): a bootstrap `sops-age` Secret, itself SOPS-
# encrypted to the --identity key, is rendered by the flux-system
# Kustomization; `apps` names it in spec.decryption.secretRef and holds a
# Secret encrypted (by real sops v3.13.2) to a key that exists only inside
# that Secret. Expected output: the Go reference renderer
# (tests/peers/fluxbuild) given the same Secret as a cluster object
# (--objects-dir) and the --identity key as SOPS_AGE_KEY_FILE. Without
# --identity nothing decrypts (both Kustomizations fail, exit 1).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
SOPS="$PEERS/sops-3.13.2/sops"
FLUXBUILD="$PEERS/fluxbuild-1.9.4/fluxbuild"
if [ ! -x "$SOPS" ] || [ ! -x "$FLUXBUILD" ] || ! "$FLUXBUILD" 2>&1 | grep -q -- --objects-dir; then
    t_skip "rendered decryption Secret" "sops or fluxbuild (with --objects-dir) missing (make peers)"
    t_done
    exit 0
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home"
export HOME="$W/home"
unset SOPS_AGE_KEY_FILE SOPS_AGE_KEY SOPS_AGE_KEY_CMD XDG_CONFIG_HOME

"$AGE131/age-keygen" -o "$W/boot.txt" 2>/dev/null
"$AGE131/age-keygen" -pq -o "$W/inner.txt" 2>/dev/null
RB=$("$AGE131/age-keygen" -y "$W/boot.txt")
RI=$("$AGE131/age-keygen" -y "$W/inner.txt")
VAL="val-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

R="$W/repo"
mkdir -p "$R/flux" "$R/bootstrap" "$R/apps" "$W/objects"
cat >"$R/flux/ks.yaml" <<'EOF'
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./bootstrap
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  decryption: {provider: sops}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  decryption:
    provider: sops
    secretRef: {name: sops-age}
EOF
{
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-age\n  namespace: flux-system\nstringData:\n  age.agekey: |\n'
    sed 's/^/    /' "$W/inner.txt"
} >"$W/objects/sops-age.yaml"
"$SOPS" encrypt --age "$RB" --encrypted-regex '^(data|stringData)$' "$W/objects/sops-age.yaml" \
    >"$R/bootstrap/sops-age.sops.yaml"
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: default\nstringData:\n  value: %s\n' \
    "$VAL" >"$W/app.yaml"
"$SOPS" encrypt --age "$RI" --encrypted-regex '^(data|stringData)$' "$W/app.yaml" >"$R/apps/app.sops.yaml"

"$COVERT" build "$R" --entry flux/ks.yaml --reveal --identity "$W/boot.txt" >"$W/covert.out" 2>"$W/covert.err"
crc=$?
SOPS_AGE_KEY_FILE="$W/boot.txt" "$FLUXBUILD" --objects-dir "$W/objects" "$R" flux/ks.yaml >"$W/ref.out" 2>"$W/ref.err"
rrc=$?
if [ $crc -eq 0 ] && [ $rrc -eq 0 ] && cmp -s "$W/covert.out" "$W/ref.out"; then
    t_pass "identities of the rendered decryption Secret: output = fluxbuild with that Secret in the cluster"
else
    t_fail "rendered Secret: covert $crc, fluxbuild $rrc: $(diff "$W/covert.out" "$W/ref.out" | head -10) $(head -3 "$W/covert.err" "$W/ref.err")"
fi
grep -q "value: $VAL" "$W/covert.out" && t_pass "the file encrypted to the inner (post-quantum) key decrypted" ||
    t_fail "inner value missing"

"$COVERT" build "$R" --entry flux/ks.yaml --reveal >"$W/none.out" 2>&1
rc=$?
n=$(grep -c '^# error: decryption failed' "$W/none.out")
[ $rc -eq 1 ] && [ "$n" = 2 ] && t_pass "without --identity neither decrypts (exit 1)" ||
    t_fail "no identity: rc $rc, $n errors: $(head -4 "$W/none.out")"
t_done
