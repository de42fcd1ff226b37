#!/usr/bin/env bash
# Decrypt-on-apply against the real kube-apiserver of tests/cluster.
#
# Manifests encrypted by real sops v3.13.2 (a Secret with encrypted_regex,
# a ConfigMap encrypted whole, and a plain Secret whose data value and
# stringData value are whole SOPS files, YAML and dotenv) are applied with
# `covert apply`; kubectl (the peer) reads back exactly the values sops
# decrypts. Then the proof that secrets stay in memory: the same apply under
# `strace -f`, every write/writev/pwrite64/sendto/sendmsg/openat/... buffer
# recorded in full; no plaintext value may appear in any of them, and no
# file may be created. Plaintext leaves the process only inside TLS.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
SOPS="$PEERS/sops-3.13.2/sops"
if [ ! -x "$SOPS" ] || ! command -v strace >/dev/null; then
    t_skip "decrypt-on-apply" "sops v3.13.2 peer or strace missing (make peers / make deps)"
    t_done
    exit 0
fi
cluster_suite

W=$(mktemp -d)
NS=covert-sops-$$
cleanup() {
    cluster_drop_namespace "$NS"
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

"$AGE131/age-keygen" -o "$W/key.txt" 2>/dev/null
R=$("$AGE131/age-keygen" -y "$W/key.txt")
export SOPS_AGE_KEY_FILE="$W/key.txt"
# Values random per run, so that finding one anywhere means it leaked.
P1="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
P2="token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
P3="cm-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
P4="inner-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
P5="env-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

cat >"$W/ns.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
EOF
cat >"$W/secret.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: $NS
type: Opaque
stringData:
  password: $P1
data:
  token: $(printf %s "$P2" | base64 -w0)
EOF
cat >"$W/cm.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: $NS
data:
  value: $P3
EOF
printf 'inner: %s\n' "$P4" >"$W/inner.yaml"
printf 'KEY=%s\n' "$P5" >"$W/inner.env"
"$SOPS" encrypt --age "$R" --encrypted-regex '^(data|stringData)$' "$W/secret.yaml" >"$W/secret.enc.yaml"
"$SOPS" encrypt --age "$R" "$W/cm.yaml" >"$W/cm.enc.yaml"
"$SOPS" encrypt --age "$R" "$W/inner.yaml" >"$W/inner.enc.yaml"
"$SOPS" encrypt --age "$R" "$W/inner.env" >"$W/inner.enc.env"
{
    cat "$W/ns.yaml"
    echo ---
    cat "$W/secret.enc.yaml"
    echo ---
    cat "$W/cm.enc.yaml"
    echo ---
    cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: files
  namespace: $NS
data:
  config.yaml: $(base64 -w0 <"$W/inner.enc.yaml")
stringData:
  app.env: |
$(sed 's/^/    /' "$W/inner.enc.env")
EOF
} >"$W/all.yaml"
for v in "$P1" "$P2" "$P3" "$P4" "$P5"; do
    grep -q "$v" "$W/all.yaml" && t_fail "test setup: plaintext in the manifests"
done

# Under strace: every byte the process writes, sends or opens, in full.
strace -f -qq -s 1048576 -xx -o "$W/trace" \
    -e trace=write,writev,pwrite64,pwritev,pwritev2,sendto,sendmsg,sendmmsg,openat,open,creat,mknodat,rename,renameat,renameat2,linkat,symlinkat \
    "$COVERT" apply -f "$W/all.yaml" >"$W/out" 2>"$W/err"
rc=$?
if [ $rc -eq 0 ]; then t_pass "covert apply of SOPS-encrypted manifests"
else t_fail "covert apply exit $rc: $(head -3 "$W/err")"; fi

get() { kc get -n "$NS" "$@" 2>/dev/null; }
b64d() { base64 -d 2>/dev/null; }
[ "$(get secret app -o jsonpath='{.data.password}' | b64d)" = "$P1" ] &&
    t_pass "Secret stringData decrypted" || t_fail "Secret stringData value"
[ "$(get secret app -o jsonpath='{.data.token}' | b64d)" = "$P2" ] &&
    t_pass "Secret data decrypted" || t_fail "Secret data value"
[ "$(get configmap settings -o jsonpath='{.data.value}')" = "$P3" ] &&
    t_pass "ConfigMap with a sops block decrypted" || t_fail "ConfigMap value"
if get secret files -o jsonpath='{.data.config\.yaml}' | b64d | cmp -s - <("$SOPS" decrypt "$W/inner.enc.yaml"); then
    t_pass "Secret data value that is a SOPS YAML file decrypted as sops does"
else
    t_fail "Secret data SOPS file"
fi
if get secret files -o jsonpath='{.data.app\.env}' | b64d | cmp -s - <("$SOPS" decrypt "$W/inner.enc.env"); then
    t_pass "Secret stringData value that is a SOPS dotenv file decrypted as sops does"
else
    t_fail "Secret stringData SOPS file"
fi

# The proof. strace -xx prints every buffer byte as \xNN: search for each
# value in that encoding (and plainly, for completeness).
hexed() { printf %s "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /\\x/g; s/^/\\x/'; }
leaks=0
for v in "$P1" "$P2" "$P3" "$P4" "$P5" "$(printf %s "$P2" | base64 -w0)"; do
    if grep -qF "$(hexed "$v")" "$W/trace" || grep -qF "$v" "$W/trace"; then
        leaks=$((leaks + 1))
        echo "leaked: ${v:0:8}..." >&2
    fi
done
calls=$(grep -cE 'write|send' "$W/trace")
# Control: the namespace name is printed on stdout, so the same search must
# find it — the check can fail.
if grep -qF "$(hexed "$NS")" "$W/trace"; then t_pass "the search finds what the process writes"
else t_fail "control: the namespace name was not found in the trace"; fi
if [ "$leaks" -eq 0 ] && [ "$calls" -gt 0 ]; then
    t_pass "no plaintext in any of $calls write/send syscall buffers"
else
    t_fail "$leaks plaintext values found in syscall buffers"
fi
if grep -E 'open(at)?\(.*O_CREAT|creat\(|mknodat\(|rename|linkat\(|symlinkat\(' "$W/trace" | grep -qv ' = -1 '; then
    t_fail "a file was created during apply: $(grep -E 'O_CREAT|creat\(|rename' "$W/trace" | head -2)"
else
    t_pass "no file created during apply"
fi
t_done
