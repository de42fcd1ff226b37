#!/usr/bin/env bash
# Start a test control plane on 127.0.0.1: etcd + kube-apiserver built by
# build.sh, with a generated CA, serving and client certificates, a static
# token file, and a kubeconfig. Installs the CRDs from $COVERT_SHARED/crds and
# waits until they are Established. No controllers run.
#
# State (certificates, etcd data, logs, pids, kubeconfig, env) lives in
# $COVERT_CLUSTER_DIR (default ${XDG_RUNTIME_DIR:-/tmp}/covert-cluster),
# outside the repository. `down.sh` stops everything. When a cluster from
# this directory is already answering, up.sh only prints its location.
#
#   kubeconfig contexts:  covert       token user (system:masters)
#                         covert-cert  client-certificate user (system:masters)
#   other credentials:    $DIR/env  (COVERT_TOKEN_VIEWER: a token without RBAC
#                         rights, for 403 tests; CA and client cert paths)
#
# `up.sh --check` only tells (exit status) whether the cluster is running.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${PEERS:=$HOME/.cache/covert/peers}"
: "${COVERT_CLUSTER_DIR:=${XDG_RUNTIME_DIR:-/tmp}/covert-cluster}"
if [ -z "${COVERT_SHARED:-}" ]; then
    COVERT_SHARED=$(cd "$ROOT/../shared" 2>/dev/null && pwd || echo "$ROOT/../shared")
fi
DIR=$COVERT_CLUSTER_DIR
BIN=$("$HERE/build.sh" --print-dir)
KUBECTL=("$BIN/kubectl" --kubeconfig "$DIR/kubeconfig")

log() { echo "cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

running() {
    alive kube-apiserver && alive etcd && [ -f "$DIR/env" ] || return 1
    # shellcheck disable=SC1091
    (. "$DIR/env" && curl -sf --cacert "$DIR/pki/ca.crt" \
        -H "Authorization: Bearer $COVERT_TOKEN_ADMIN" "$COVERT_CLUSTER_SERVER/readyz" >/dev/null)
}
if [ "${1:-}" = --check ]; then
    running
    exit
fi
if running; then
    log "already running: $DIR (KUBECONFIG=$DIR/kubeconfig)"
    echo "$DIR"
    exit 0
fi
"$HERE/down.sh" >/dev/null 2>&1 || true

"$HERE/build.sh" >&2
[ -d "$COVERT_SHARED/crds" ] || die "no CRDs at $COVERT_SHARED/crds (set COVERT_SHARED)"

rm -rf "$DIR"
mkdir -p "$DIR/pki" "$DIR/etcd" "$DIR/logs"
chmod 700 "$DIR"

# free_port: a port nothing listens on now (the kernel picks it).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- certificates -----------------------------------------------------------
pki() {
    local p=$DIR/pki
    (
        cd "$p"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
            -subj "/CN=covert-test-ca" -keyout ca.key -out ca.crt \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        # leaf NAME SUBJECT EXTENSIONS
        leaf() {
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
            printf '%s\n' "$3" >"$1.ext"
            openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
                -days 30 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
            rm -f "$1.csr" "$1.ext"
        }
        leaf apiserver "/CN=kube-apiserver" \
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
        leaf admin "/O=system:masters/CN=covert-cert-admin" \
            "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
        leaf viewer "/CN=covert-cert-viewer" \
            "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
        openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
        chmod 600 ./*.key
    )
}
pki

token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
TOKEN_ADMIN=$(token)
TOKEN_VIEWER=$(token)
# token,user,uid,"groups"
cat >"$DIR/pki/tokens.csv" <<EOF
$TOKEN_ADMIN,covert-admin,uid-admin,"system:masters"
$TOKEN_VIEWER,covert-viewer,uid-viewer
EOF
chmod 600 "$DIR/pki/tokens.csv"

# --- etcd -------------------------------------------------------------------
ETCD_CLIENT=$(free_port)
ETCD_PEER=$(free_port)
nohup "$BIN/etcd" --name covert --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "covert=http://127.0.0.1:$ETCD_PEER" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 \
    >"$DIR/logs/etcd.log" 2>&1 </dev/null &
echo $! >"$DIR/etcd.pid"

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
    local n=$(($1 * 5)) what=$2
    shift 2
    while ! "$@" >/dev/null 2>&1; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.2
    done
    : "$what"
}
wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_CLIENT/health" ||
    { tail -20 "$DIR/logs/etcd.log" >&2; die "etcd did not become healthy"; }

# --- kube-apiserver ---------------------------------------------------------
# ConfigMaps bypass the watch cache, so their watches read etcd directly and
# an etcd compaction makes an old resourceVersion answer 410 (the watch
# relist test); every other resource is served from the cache as usual.
API_PORT=$(free_port)
SERVER="https://127.0.0.1:$API_PORT"
nohup "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" \
    --token-auth-file "$DIR/pki/tokens.csv" \
    --service-account-issuer "$SERVER" \
    --service-account-key-file "$DIR/pki/sa.pub" \
    --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode RBAC \
    --disable-admission-plugins ServiceAccount \
    --allow-privileged=true \
    --cert-dir "$DIR/pki/generated" \
    --watch-cache-sizes configmaps#0 \
    >"$DIR/logs/kube-apiserver.log" 2>&1 </dev/null &
echo $! >"$DIR/kube-apiserver.pid"

ready() {
    [ "$(curl -s --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $TOKEN_ADMIN" \
        "$SERVER/readyz")" = ok ]
}
wait_for 120 kube-apiserver ready ||
    { tail -30 "$DIR/logs/kube-apiserver.log" >&2; die "kube-apiserver did not become ready"; }

# --- kubeconfig and env -----------------------------------------------------
b64() { base64 -w0 <"$1"; }
umask 077
cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: covert
  cluster:
    server: $SERVER
    certificate-authority-data: $(b64 "$DIR/pki/ca.crt")
users:
- name: covert-token
  user:
    token: $TOKEN_ADMIN
- name: covert-cert
  user:
    client-certificate-data: $(b64 "$DIR/pki/admin.crt")
    client-key-data: $(b64 "$DIR/pki/admin.key")
contexts:
- name: covert
  context:
    cluster: covert
    user: covert-token
- name: covert-cert
  context:
    cluster: covert
    user: covert-cert
current-context: covert
EOF
cat >"$DIR/env" <<EOF
# Written by tests/cluster/up.sh; source it.
COVERT_CLUSTER_DIR='$DIR'
COVERT_CLUSTER_SERVER='$SERVER'
COVERT_CLUSTER_BIN='$BIN'
COVERT_CLUSTER_CA='$DIR/pki/ca.crt'
COVERT_CLUSTER_ETCD='http://127.0.0.1:$ETCD_CLIENT'
COVERT_TOKEN_ADMIN='$TOKEN_ADMIN'
COVERT_TOKEN_VIEWER='$TOKEN_VIEWER'
COVERT_CERT_ADMIN='$DIR/pki/admin.crt'
COVERT_KEY_ADMIN='$DIR/pki/admin.key'
COVERT_CERT_VIEWER='$DIR/pki/viewer.crt'
COVERT_KEY_VIEWER='$DIR/pki/viewer.key'
KUBECONFIG='$DIR/kubeconfig'
EOF

# --- CRDs -------------------------------------------------------------------
"${KUBECTL[@]}" apply --server-side --field-manager covert-cluster \
    -f "$COVERT_SHARED/crds" >"$DIR/logs/crds.log" 2>&1 ||
    { cat "$DIR/logs/crds.log" >&2; die "installing the CRDs failed"; }
# kube-apiserver runs the CRD naming and establishing controllers itself, so
# Established comes without kube-controller-manager.
"${KUBECTL[@]}" wait --for condition=Established --timeout 60s crd --all \
    >>"$DIR/logs/crds.log" 2>&1 ||
    { cat "$DIR/logs/crds.log" >&2; die "CRDs did not become Established"; }

log "running: $SERVER (state in $DIR, KUBECONFIG=$DIR/kubeconfig)"
echo "$DIR"
