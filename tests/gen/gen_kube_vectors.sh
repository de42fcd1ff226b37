#!/usr/bin/env bash
# Capture real kube-apiserver responses into testvectors/kube/ for the unit
# tests and fuzz seeds of reconcile/kube: Status bodies of failed requests
# (403, 404, 409 conflict, 409 already exists, 422) and discovery documents
# (aggregated /api, legacy /api/v1). Every byte comes from the server of
# tests/cluster (started here if needed), never from covert.
#
#   tests/gen/gen_kube_vectors.sh [OUT_DIR]     default testvectors/kube
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/testvectors/kube}
started=no
if ! "$ROOT/tests/cluster/up.sh" --check; then
    "$ROOT/tests/cluster/up.sh" >/dev/null
    started=yes
fi
# shellcheck disable=SC1091
. "${COVERT_CLUSTER_DIR:-${XDG_RUNTIME_DIR:-/tmp}/covert-cluster}/env"
K=("$COVERT_CLUSTER_BIN/kubectl" --kubeconfig "$KUBECONFIG")
NS=covert-vectors
cleanup() {
    "${K[@]}" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
    [ "$started" = no ] || "$ROOT/tests/cluster/down.sh" >/dev/null 2>&1
}
trap cleanup EXIT
mkdir -p "$OUT"

# req FILE TOKEN METHOD PATH [CONTENT-TYPE BODY]: the raw response body.
req() {
    local f=$1 tok=$2 m=$3 p=$4
    shift 4
    local args=(-s --cacert "$COVERT_CLUSTER_CA" -H "Authorization: Bearer $tok" -X "$m")
    [ $# -eq 2 ] && args+=(-H "Content-Type: $1" --data-binary "$2")
    curl "${args[@]}" "$COVERT_CLUSTER_SERVER$p" >"$OUT/$f"
}
A=$COVERT_TOKEN_ADMIN
"${K[@]}" create namespace "$NS" >/dev/null 2>&1 || true
cm='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"'$NS'"},"data":{"a":"1","b":"2"}}'
cm2='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"'$NS'"},"data":{"a":"x","b":"y"}}'
base=/api/v1/namespaces/$NS/configmaps
req apply-created.json "$A" PATCH "$base/c?fieldManager=first&force=true" application/apply-patch+yaml "$cm"
req status-409-conflict.json "$A" PATCH "$base/c?fieldManager=second" application/apply-patch+yaml "$cm2"
req status-409-exists.json "$A" POST "$base" application/json "$cm"
req status-403.json "$COVERT_TOKEN_VIEWER" PATCH "$base/c?fieldManager=v" application/apply-patch+yaml "$cm"
req status-404.json "$A" GET "$base/missing"
req status-422.json "$A" POST "$base" application/json \
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"},"data":{"bad key!":"v"}}'
req status-401.json not-a-token GET /api/v1/namespaces
curl -s --cacert "$COVERT_CLUSTER_CA" -H "Authorization: Bearer $A" \
    -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' \
    "$COVERT_CLUSTER_SERVER/api" >"$OUT/discovery-aggregated-api.json"
curl -s --cacert "$COVERT_CLUSTER_CA" -H "Authorization: Bearer $A" \
    -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' \
    "$COVERT_CLUSTER_SERVER/apis" >"$OUT/discovery-aggregated-apis.json"
req discovery-legacy-api-v1.json "$A" GET /api/v1
req discovery-legacy-apps-v1.json "$A" GET /apis/apps/v1
"$COVERT_CLUSTER_BIN/kube-apiserver" --version >"$OUT/SERVER_VERSION"
echo "kube vectors: $OUT ($(cat "$OUT/SERVER_VERSION"))"
