#!/usr/bin/env bash
# `covert build --kubeconfig` against the real kube-apiserver of
# tests/cluster (issue 5 §2): postBuild.substituteFrom ConfigMaps/Secrets and
# the decryption Secret's age identities come from the cluster, as
# kustomize-controller reads them.
#
# Peers: the objects are created with kubectl; the SOPS files are encrypted
# by real sops v3.13.2 to age keys (X25519 and post-quantum) that exist only
# in the cluster's decryption Secret; the expected output is the Go
# reference renderer's (tests/peers/fluxbuild --objects-dir: Flux's own
# LoadVariables over the same objects and the controller's ImportKeys).
# Failure cases: a missing non-optional source, a missing decryption
# Secret, a wrong key, a Secret with only unsupported key sources. Then:
# one GET per distinct object (through tests/lib/faultproxy.py's request
# log), without a cluster flag $KUBECONFIG is ignored, and under strace no
# plaintext value or key reaches any write/send buffer and no file is made.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
SOPS="$PEERS/sops-3.13.2/sops"
FLUXBUILD="$PEERS/fluxbuild-1.9.4/fluxbuild"
if [ ! -x "$SOPS" ] || [ ! -x "$FLUXBUILD" ] || ! command -v strace >/dev/null ||
    ! "$FLUXBUILD" 2>&1 | grep -q -- --objects-dir; then
    t_skip "flux build with a cluster" "sops, fluxbuild (with --objects-dir) or strace missing (make peers / make deps)"
    t_done
    exit 0
fi
cluster_suite

W=$(mktemp -d)
NS=covert-fluxc-$$
PROXY_PID=
cleanup() {
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
    cluster_drop_namespace "$NS"
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
    cluster_cleanup
}
trap cleanup EXIT
rnd() { printf '%s-%s' "$1" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# No identity from the environment: the keys exist only in the cluster.
mkdir -p "$W/home"
export HOME="$W/home"
unset SOPS_AGE_KEY_FILE SOPS_AGE_KEY SOPS_AGE_KEY_CMD XDG_CONFIG_HOME

"$AGE131/age-keygen" -o "$W/k1.txt" 2>/dev/null
"$AGE131/age-keygen" -pq -o "$W/k2.txt" 2>/dev/null
"$AGE131/age-keygen" -o "$W/wrong.txt" 2>/dev/null
R1=$("$AGE131/age-keygen" -y "$W/k1.txt")
R2=$("$AGE131/age-keygen" -y "$W/k2.txt")
P1=$(rnd sopsval)
P2=$(rnd pqval)
P3=$(rnd dbpass)
CLUSTER=$(rnd live)

# ---- the repository -------------------------------------------------------------------
R="$W/repo"
mkdir -p "$R/flux" "$R/apps" "$R/enc" "$R/pq"
ks() { # NAME PATH [extra spec lines]
    printf -- '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n'
    printf 'metadata:\n  name: %s\n  namespace: %s\nspec:\n  interval: 10m\n  path: %s\n' "$1" "$NS" "$2"
    printf '  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'
    shift 2
    for l in "$@"; do printf '  %s\n' "$l"; done
}
VARS=('postBuild:' '  substituteFrom:' '    - kind: ConfigMap' '      name: vars'
    '    - kind: Secret' '      name: secret-vars' '    - kind: ConfigMap' '      name: opt-missing'
    '      optional: true')
dec() { printf '%s\n' 'decryption:' '  provider: sops' '  secretRef:' "    name: $1"; }
mapfile -t DEC_KEYS < <(dec sops-keys)
mapfile -t DEC_WRONG < <(dec wrong-keys)
mapfile -t DEC_KMS < <(dec kms-only)
mapfile -t DEC_MIXED < <(dec kms-and-age)
mapfile -t DEC_ABSENT < <(dec absent)
{
    ks apps ./apps "${VARS[@]}" "${DEC_KEYS[@]}"
    ks pq ./pq "${VARS[@]}" "${DEC_KEYS[@]}"
    ks missing-source ./apps 'postBuild:' '  substituteFrom:' '    - kind: ConfigMap' '      name: vars' \
        '    - kind: ConfigMap' '      name: nope'
    ks wrong-key ./enc "${DEC_WRONG[@]}"
    ks unsupported ./enc "${DEC_KMS[@]}"
    ks mixed ./enc "${VARS[@]}" "${DEC_MIXED[@]}"
    ks no-secret ./enc "${DEC_ABSENT[@]}"
} >"$R/flux/ks.yaml"

cat >"$R/apps/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [settings.yaml, db.yaml, vars.yaml, ../enc/enc.sops.yaml]
EOF
cat >"$R/apps/settings.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  cluster: ${CLUSTER_NAME}
  region: ${REGION}
  optional: ${OPT_VALUE:=fallback}
EOF
cat >"$R/apps/db.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: ${DB_PASSWORD}
EOF
# The repository renders its own `vars` and `secret-vars`: with a cluster
# they must not be used.
cat >"$R/apps/vars.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: vars
  namespace: $NS
data:
  CLUSTER_NAME: from-repo
  REGION: repo-region
---
apiVersion: v1
kind: Secret
metadata:
  name: secret-vars
  namespace: $NS
stringData:
  DB_PASSWORD: repo-password
EOF
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: enc\nstringData:\n  value: %s\n  where: ${CLUSTER_NAME:=none}\n' \
    "$P1" >"$W/enc.yaml"
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: pq\nstringData:\n  value: %s\n' "$P2" >"$W/pq.yaml"
"$SOPS" encrypt --age "$R1" --encrypted-regex '^(data|stringData)$' "$W/enc.yaml" >"$R/enc/enc.sops.yaml"
"$SOPS" encrypt --age "$R2" --encrypted-regex '^(data|stringData)$' "$W/pq.yaml" >"$R/pq/pq.sops.yaml"
rm -f "$W/enc.yaml" "$W/pq.yaml"

# ---- the cluster's objects ------------------------------------------------------------
O="$W/objects"
mkdir -p "$O"
indent() { sed 's/^/    /' "$1"; }
cat >"$O/vars.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: vars
  namespace: $NS
data:
  CLUSTER_NAME: $CLUSTER
  REGION: "eu-\nwest"
EOF
cat >"$O/secret-vars.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: secret-vars
  namespace: $NS
data:
  DB_PASSWORD: $(printf '%s\n' "$P3" | base64 -w0)
EOF
secret() { # NAME then "key<TAB>file" lines on stdin
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\nstringData:\n' "$1" "$NS"
    while IFS=$'\t' read -r key file; do
        printf '  %s: |\n' "$key"
        indent "$file"
    done
}
printf 'hvs.not-a-real-token\n' >"$W/vault-token"
printf 'age.agekey\t%s\npq.agekey\t%s\n' "$W/k1.txt" "$W/k2.txt" | secret sops-keys >"$O/sops-keys.yaml"
printf 'age.agekey\t%s\n' "$W/wrong.txt" | secret wrong-keys >"$O/wrong-keys.yaml"
printf 'sops.vault-token\t%s\n' "$W/vault-token" | secret kms-only >"$O/kms-only.yaml"
printf 'sops.vault-token\t%s\nidentity.agekey\t%s\n' "$W/vault-token" "$W/k1.txt" |
    secret kms-and-age >"$O/kms-and-age.yaml"

kc create namespace "$NS" >/dev/null
if kc apply -f "$O" >/dev/null 2>"$W/kc.err"; then t_pass "objects created with kubectl"
else t_fail "kubectl apply: $(head -3 "$W/kc.err")"; fi

# ---- covert against the reference ----------------------------------------------------
"$COVERT" build "$R" --entry flux/ks.yaml --reveal --kubeconfig "$KUBECONFIG" >"$W/covert.out" 2>"$W/covert.err"
crc=$?
"$FLUXBUILD" --objects-dir "$O" "$R" flux/ks.yaml >"$W/ref.out" 2>"$W/ref.err"
rrc=$?
[ $crc -eq 1 ] && [ $rrc -eq 1 ] && t_pass "both exit 1 (failing Kustomizations)" ||
    t_fail "exit status: covert $crc ($(head -2 "$W/covert.err")), fluxbuild $rrc ($(head -2 "$W/ref.err"))"
# Error texts differ by design (the contract compares that both failed).
norm() { sed 's/^# error: .*/# error/' "$1"; }
if diff <(norm "$W/covert.out") <(norm "$W/ref.out") >"$W/diff"; then
    t_pass "output identical to fluxbuild --objects-dir ($(grep -c '^# Kustomization' "$W/ref.out") Kustomizations)"
else
    t_fail "output differs from the reference: $(head -20 "$W/diff")"
fi

section() { awk -v k="# Kustomization $NS/$1" '$0 == k { on = 1; next } /^# Kustomization / { on = 0 } on' "$W/covert.out"; }
has() { section "$1" | grep -qF -- "$2"; }
has apps "cluster: $CLUSTER" && ! has apps "cluster: from-repo" &&
    t_pass "substituteFrom reads the live ConfigMap, not the one the repository renders" ||
    t_fail "live ConfigMap: $(section apps | grep cluster:)"
has apps "region: eu-west" && t_pass "newlines removed from values as Flux does" || t_fail "REGION value"
has apps "optional: fallback" && t_pass "missing optional source skipped" || t_fail "optional source"
has apps "password: $P3" && t_pass "Secret variables base64-decoded from the API" || t_fail "Secret variable"
has apps "value: $P1" && has apps "where: $CLUSTER" &&
    t_pass "SOPS file decrypted with the X25519 identity of the cluster Secret, then substituted" ||
    t_fail "X25519 decryption: $(section apps | head -3)"
has pq "value: $P2" && t_pass "post-quantum identity from the cluster Secret" || t_fail "PQ decryption"
has mixed "value: $P1" && t_pass "age entry used beside an unsupported key source" || t_fail "mixed Secret"
has missing-source "# error: post build failed for 'ConfigMap/settings': substitute from 'ConfigMap/nope' error: configmaps \"nope\" not found" &&
    t_pass "missing non-optional source: Flux's error" || t_fail "missing source: $(section missing-source)"
has wrong-key "# error: decryption failed for 'Secret/enc'" && ! has wrong-key "$P1" &&
    t_pass "wrong key: decryption fails" || t_fail "wrong key: $(section wrong-key)"
has unsupported "key sources covert does not support (sops.vault-token)" &&
    t_pass "only unsupported key sources: named in the error" || t_fail "unsupported: $(section unsupported)"
has no-secret '# error: secrets "absent" not found' && t_pass "missing decryption Secret: Flux's error" ||
    t_fail "absent Secret: $(section no-secret)"

# `covert check` takes the same flags.
"$COVERT" check "$R" --entry flux/ks.yaml --kubeconfig "$KUBECONFIG" --output json >"$W/check.json" 2>"$W/check.err"
if python3 - "$W/check.json" "$NS" <<'PY'; then t_pass "covert check --kubeconfig: builds with the cluster's variables and keys"; else t_fail "covert check: $(head -c 600 "$W/check.json") $(head -2 "$W/check.err")"; fi
import json, sys
ns = sys.argv[2]
got = {(f["check"], f["subject"]): f["ok"] for f in json.load(open(sys.argv[1]))}
want_ok = ["apps", "pq", "mixed"]
want_fail = ["wrong-key", "unsupported", "no-secret"]
ok = all(got.get(("build", f"{ns}/{k}")) is True for k in want_ok)
ok = ok and all(got.get(("build", f"{ns}/{k}")) is False for k in want_fail)
ok = ok and got.get(("substitution", f"{ns}/missing-source")) is False
sys.exit(0 if ok else 1)
PY

# ---- without a cluster flag, $KUBECONFIG is not read; --cluster reads it ----------------
"$COVERT" build "$R" --entry flux/ks.yaml --reveal --ks "$NS/apps" --identity "$W/k1.txt" >"$W/offline.out" 2>&1
grep -q 'cluster: from-repo' "$W/offline.out" && t_pass "no cluster flag: offline, \$KUBECONFIG ignored" ||
    t_fail "offline build: $(head -5 "$W/offline.out")"
"$COVERT" build "$R" --entry flux/ks.yaml --reveal --ks "$NS/apps" --cluster >"$W/env.out" 2>&1
grep -q "cluster: $CLUSTER" "$W/env.out" && t_pass "--cluster: \$KUBECONFIG's cluster" ||
    t_fail "--cluster: $(head -5 "$W/env.out")"

# A client the API server refuses: Flux only forgives NotFound.
sed "s/token: $COVERT_TOKEN_ADMIN/token: $COVERT_TOKEN_VIEWER/" "$KUBECONFIG" >"$W/viewer.kubeconfig"
if grep -q "$COVERT_TOKEN_VIEWER" "$W/viewer.kubeconfig"; then
    "$COVERT" build "$R" --entry flux/ks.yaml --kubeconfig "$W/viewer.kubeconfig" >"$W/viewer.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -q "^# error: cannot get sops decryption Secret '$NS/sops-keys': .*forbidden" "$W/viewer.out" &&
        grep -q "^# error: post build failed for 'ConfigMap/settings': substitute from 'ConfigMap/vars' error: .*forbidden" "$W/viewer.out"; then
        t_pass "403 on the decryption Secret and on a source: the Kustomizations fail"
    else
        t_fail "forbidden: rc $rc: $(grep '^# error' "$W/viewer.out" | head -3)"
    fi
else
    t_fail "test setup: no admin token line in \$KUBECONFIG to swap"
fi

# ---- one GET per distinct object -----------------------------------------------------
python3 "$HERE/../lib/faultproxy.py" --upstream "$COVERT_CLUSTER_SERVER" --ca "$COVERT_CLUSTER_CA" \
    --cert "$COVERT_CLUSTER_DIR/pki/apiserver.crt" --key "$COVERT_CLUSTER_DIR/pki/apiserver.key" \
    --plan <(echo '[]') --log "$W/proxy.log" --port-file "$W/port" 2>"$W/proxy.err" &
PROXY_PID=$!
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
cat >"$W/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster: {server: "https://127.0.0.1:$(cat "$W/port" 2>/dev/null)", certificate-authority: $COVERT_CLUSTER_CA}
users:
- name: admin
  user: {token: $COVERT_TOKEN_ADMIN}
contexts:
- name: proxy
  context: {cluster: proxy, user: admin}
current-context: proxy
EOF
"$COVERT" build "$R" --entry flux/ks.yaml --kubeconfig "$W/kubeconfig" >/dev/null 2>&1
gets=$(awk '$2 == "GET" { print $3 }' "$W/proxy.log" | sort | uniq -c | awk '{ printf "%s ", $1 }')
want="/api/v1/namespaces/$NS/configmaps/nope /api/v1/namespaces/$NS/configmaps/opt-missing /api/v1/namespaces/$NS/configmaps/vars /api/v1/namespaces/$NS/secrets/absent /api/v1/namespaces/$NS/secrets/kms-and-age /api/v1/namespaces/$NS/secrets/kms-only /api/v1/namespaces/$NS/secrets/secret-vars /api/v1/namespaces/$NS/secrets/sops-keys /api/v1/namespaces/$NS/secrets/wrong-keys"
paths=$(awk '$2 == "GET" { print $3 }' "$W/proxy.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
if [ "$paths" = "$want" ] && [ "$gets" = "1 1 1 1 1 1 1 1 1 " ]; then
    t_pass "one GET per distinct object, nothing else requested (9 GETs for 7 Kustomizations)"
else
    t_fail "GETs: $(awk '$2 == "GET"' "$W/proxy.log" | head -20)"
fi
kill "$PROXY_PID" 2>/dev/null
PROXY_PID=

# ---- no plaintext leaves the process except on stdout when asked -----------------------
strace -f -qq -s 1048576 -xx -o "$W/trace" \
    -e trace=write,writev,pwrite64,pwritev,pwritev2,sendto,sendmsg,sendmmsg,openat,open,creat,mknodat,rename,renameat,renameat2,linkat,symlinkat \
    "$COVERT" build "$R" --entry flux/ks.yaml --kubeconfig "$KUBECONFIG" >"$W/redacted.out" 2>/dev/null
hexed() { printf %s "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /\\x/g; s/^/\\x/'; }
leaks=0
k1=$(grep '^AGE-SECRET-KEY-1' "$W/k1.txt")
k2=$(grep '^AGE-SECRET-KEY-PQ-1' "$W/k2.txt")
for v in "$P1" "$P2" "$P3" "$k1" "$k2" "$(printf '%s\n' "$P3" | base64 -w0)"; do
    if grep -qF "$(hexed "$v")" "$W/trace" || grep -qF "$v" "$W/trace"; then
        leaks=$((leaks + 1))
        echo "leaked: ${v:0:10}..." >&2
    fi
done
if grep -qF "$(hexed "$CLUSTER")" "$W/trace"; then t_pass "control: the search finds a value printed on stdout"
else t_fail "control: the (non-secret) cluster name was not found in the trace"; fi
[ "$leaks" -eq 0 ] && t_pass "no plaintext value or key in any write/send buffer (Secrets redacted)" ||
    t_fail "$leaks plaintext values found in syscall buffers"
if grep -E 'open(at)?\(.*O_CREAT|creat\(|mknodat\(|rename|linkat\(|symlinkat\(' "$W/trace" | grep -qv ' = -1 '; then
    t_fail "a file was created: $(grep -E 'O_CREAT|creat\(|rename' "$W/trace" | head -2)"
else
    t_pass "no file created during the build"
fi
t_done
