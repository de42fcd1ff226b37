#!/usr/bin/env bash
# covert tree / check / build on a small fixture (tests/flux/repo): a root
# Kustomization whose generated kustomization yields five children with a
# dependsOn chain, a missing target and a cycle; an ExternalSecret with a
# store that is rendered and one that is not; a plain Secret; a strict
# substitution failure. Expected lines are written from the fixture by hand.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
REPO="$ROOT/tests/flux/repo"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$COVERT" tree "$REPO" --entry flux/cluster.yaml >"$TMP/tree" 2>&1
rc=$?
cat >"$TMP/want" <<'T'
flux-system/cluster
flux-system/a
  flux-system/b
    flux-system/c
flux-system/d (build failed)
  flux-system/e (build failed)
    flux-system/d (build failed) (*)
missing: flux-system/c -> flux-system/missing
cycle: flux-system/d -> flux-system/e -> flux-system/d
T
if [ $rc -eq 1 ] && diff -u "$TMP/want" "$TMP/tree" >"$TMP/d"; then t_pass "tree: graph, missing target, cycle"
else t_fail "tree" "rc=$rc $(cat "$TMP/d")"; fi

"$COVERT" check "$REPO" --entry flux/cluster.yaml --output json >"$TMP/check.json"
rc=$?
summary=$(python3 - "$TMP/check.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print(sorted({(r["check"], r["subject"].split("tests/flux/repo/")[-1], r["ok"]) for r in rows}))
PY
)
want="[('build', 'flux-system/a', True), ('build', 'flux-system/b', True), ('build', 'flux-system/c', True), ('build', 'flux-system/cluster', True), ('dependsOn', 'flux-system/c -> flux-system/missing', False), ('dependsOn', 'flux-system/d', False), ('secret', 'apps/c/secret.yaml', False), ('store', 'ExternalSecret/default/b-es', True), ('store', 'ExternalSecret/default/broken', False), ('substitution', 'flux-system/d', False), ('substitution', 'flux-system/e', False)]"
if [ $rc -eq 1 ] && [ "$summary" = "$want" ]; then t_pass "check: every finding"
else t_fail "check" "rc=$rc got $summary"; fi

"$COVERT" build "$REPO" --entry flux/cluster.yaml --ks flux-system/b >"$TMP/b" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^    name: b.example.org$' "$TMP/b" && grep -q '^# Kustomization flux-system/b$' "$TMP/b" &&
    [ "$(grep -c '^# Kustomization' "$TMP/b")" = 1 ]; then t_pass "build --ks: substituteFrom reads the rendered ConfigMap"
else t_fail "build --ks" "rc=$rc $(head -20 "$TMP/b")"; fi

"$COVERT" build "$REPO" --entry flux/cluster.yaml --ks flux-system/c >"$TMP/c" 2>&1
if grep -q 'password: '"'"'\*\*REDACTED\*\*'"'"'\|password: "\*\*REDACTED\*\*"\|password: \*\*REDACTED\*\*' "$TMP/c" && ! grep -q hunter2 "$TMP/c"; then
    t_pass "build: Secret values redacted without --reveal"
else t_fail "build redaction" "$(cat "$TMP/c")"; fi

# A value substituted from a Secret variable is a Secret value too: without
# --reveal it never reaches any printed object; with --reveal it does.
mkdir -p "$TMP/r/app"
cat >"$TMP/r/ks.yaml" <<'Y'
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: s, namespace: flux-system}
spec:
  interval: 1h
  path: ./app
  prune: true
  sourceRef: {kind: GitRepository, name: repo}
  postBuild:
    substituteFrom:
      - {kind: Secret, name: creds}
Y
cat >"$TMP/r/app/objs.yaml" <<'Y'
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: flux-system}
stringData: {TOKEN: s3cr3t-t0ken-value}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: uses-token, namespace: flux-system}
data: {url: "https://user:${TOKEN}@example.com"}
Y
"$COVERT" build "$TMP/r" --entry ks.yaml >"$TMP/s" 2>&1
"$COVERT" build "$TMP/r" --entry ks.yaml --reveal >"$TMP/s2" 2>&1
if ! grep -q s3cr3t "$TMP/s" && grep -q 'url: https://user:REDACTED@example.com' "$TMP/s" &&
    grep -q 'url: https://user:s3cr3t-t0ken-value@example.com' "$TMP/s2"; then
    t_pass "build: variables from Secrets are redacted where they are substituted"
else t_fail "build variable redaction" "$(cat "$TMP/s")"; fi
t_done
