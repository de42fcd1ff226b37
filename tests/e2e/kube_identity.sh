#!/usr/bin/env bash
# Who covert is to the API server: impersonation (kubectl's --as, --as-group,
# --as-uid and the kubeconfig's as, as-groups, as-uid, as-user-extra) and
# the kubeconfig's tls-server-name, against the real kube-apiserver with
# the pinned kubectl as the peer.
#
# The API server records the requesting identity in a
# CertificateSigningRequest's spec (username, uid, groups, extra), so each
# case creates one CSR with covert and one with kubectl under the same
# identity and compares what the server recorded. tls-server-name: the
# serving certificate names 127.0.0.1, localhost and kubernetes.default.svc;
# a kubeconfig naming kubernetes.default.svc must work and one naming
# another host must fail verification, for both tools.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
cluster_suite

W=$(mktemp -d)
TAG=covert-id-$$
cleanup() {
    "${KUBECTL[@]}" delete csr -l "covert-test=$TAG" >/dev/null 2>&1
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/k.pem" \
    -subj "/CN=covert-test" -out "$W/csr.pem" 2>/dev/null
REQ=$(base64 -w0 <"$W/csr.pem")

# csr NAME: a manifest for one CertificateSigningRequest.
csr() {
    cat >"$W/$1.yaml" <<EOT
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $1
  labels:
    covert-test: $TAG
spec:
  request: $REQ
  signerName: example.com/covert-test
  usages: [client auth]
EOT
}

# identity NAME: what the server recorded as the requester of CSR NAME.
identity() {
    "${KUBECTL[@]}" get csr "$1" -o json |
        python3 -c 'import json,sys; s=json.load(sys.stdin)["spec"]; print(json.dumps({k: s.get(k) for k in ("username","uid","groups","extra")}, sort_keys=True))'
}

# same_identity CASE FLAGS...: covert apply and kubectl apply --server-side
# under the same flags record the same identity.
same_identity() {
    local name=$1 c k
    shift
    c=$TAG-$name-c
    k=$TAG-$name-k
    csr "$c"
    csr "$k"
    if ! "$COVERT" apply -f "$W/$c.yaml" "$@" >"$W/out" 2>&1; then
        t_fail "$name: covert apply failed: $(cat "$W/out")"
        return
    fi
    if ! "${KUBECTL[@]}" apply --server-side -f "$W/$k.yaml" "$@" >"$W/out" 2>&1; then
        t_fail "$name: kubectl apply failed: $(cat "$W/out")"
        return
    fi
    local ci ki
    ci=$(identity "$c")
    ki=$(identity "$k")
    if [ "$ci" = "$ki" ]; then t_pass "$name: server recorded $ci for both"; else
        t_fail "$name: covert $ci, kubectl $ki"
    fi
}

# same_failure CASE FLAGS...: both tools refuse.
same_failure() {
    local name=$1
    shift
    csr "$TAG-$name"
    local crc=0 krc=0
    "$COVERT" apply -f "$W/$TAG-$name.yaml" "$@" >"$W/cout" 2>&1 || crc=$?
    "${KUBECTL[@]}" apply --server-side -f "$W/$TAG-$name.yaml" "$@" >"$W/kout" 2>&1 || krc=$?
    if [ "$crc" -ne 0 ] && [ "$krc" -ne 0 ]; then
        t_pass "$name: both refuse (covert: $(head -c 160 "$W/cout" | tr '\n' ' '))"
    else
        t_fail "$name: covert rc=$crc ($(head -c 200 "$W/cout")), kubectl rc=$krc ($(head -c 200 "$W/kout"))"
    fi
}

same_identity baseline
same_identity as-flags --as alice --as-group system:masters --as-group team-a --as-uid u-42
same_failure forbidden --as alice
same_failure group-without-user --as-group system:masters

# A kubeconfig whose user entry impersonates, with extras whose keys need
# escaping in the Impersonate-Extra- header name.
KCFG_AS=$W/as.kubeconfig
"${KUBECTL[@]}" config view --raw -o json | python3 -c '
import json, sys
c = json.load(sys.stdin)
for u in c["users"]:
    u["user"]["as"] = "bob"
    u["user"]["as-uid"] = "u-7"
    u["user"]["as-groups"] = ["system:masters", "ops"]
    u["user"]["as-user-extra"] = {"example.com/team name": ["blue", "green"], "scopes%": ["x"]}
json.dump(c, sys.stdout)' >"$KCFG_AS"
same_identity kubeconfig-as --kubeconfig "$KCFG_AS"
same_identity flags-override-kubeconfig --kubeconfig "$KCFG_AS" --as carol

# tls-server-name: the server is reached at 127.0.0.1 but verified as the
# configured name.
tls_name() {
    "${KUBECTL[@]}" config view --raw -o json | NAME=$1 python3 -c '
import json, os, sys
c = json.load(sys.stdin)
for cl in c["clusters"]:
    cl["cluster"]["tls-server-name"] = os.environ["NAME"]
json.dump(c, sys.stdout)' >"$W/tls-$1.kubeconfig"
    echo "$W/tls-$1.kubeconfig"
}
same_identity tls-server-name-valid --kubeconfig "$(tls_name kubernetes.default.svc)"
same_failure tls-server-name-mismatch --kubeconfig "$(tls_name wrong.example.com)"

t_done
