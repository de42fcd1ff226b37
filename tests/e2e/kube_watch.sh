#!/usr/bin/env bash
# reconcile/kube/watch against the real API server, through the driver
# tests/e2e/kube_watch_driver.c: events in order while kubectl changes
# objects, watches renewed after the server ends them, bookmarks, and a
# relist after the server answers 410 Gone for a resourceVersion etcd has
# compacted away (ConfigMaps bypass the watch cache in tests/cluster).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

cluster_driver kube_watch_driver
cluster_suite

W=$(mktemp -d)
NS=covert-watch-$$
NS2=covert-watch-other-$$
cleanup() {
    cluster_drop_namespace "$NS"
    cluster_drop_namespace "$NS2"
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT
kc create namespace "$NS" >/dev/null
kc create namespace "$NS2" >/dev/null

# --- events in order, across server-ended watches ----------------------------
"$DRIVER" "$KUBECONFIG" Secret "$NS" 12 "" 3 >"$W/live.out" 2>"$W/live.err" &
pid=$!
for _ in $(seq 50); do grep -q '^SYNCED' "$W/live.out" 2>/dev/null && break; sleep 0.1; done
sleep 4 # past the first watch's 3 s timeout: the next events come on a renewed watch
kc create secret generic w1 -n "$NS" --from-literal=a=1 >/dev/null
kc patch secret w1 -n "$NS" -p '{"stringData":{"a":"2"}}' >/dev/null
kc delete secret w1 -n "$NS" >/dev/null
# Changes elsewhere move the server's resourceVersion: bookmarks tell us.
for i in 1 2 3 4 5; do
    kc create secret generic "o$i" -n "$NS2" --from-literal=a=b >/dev/null
    sleep 0.7
done
wait "$pid"
rc=$?
seq=$(awk '$1 != "BOOKMARK" { print $1, $2 }' "$W/live.out" | tr '\n' ',')
if [ "$rc" = 0 ] && [ "$seq" = "SYNCED relists=0,ADDED w1,MODIFIED w1,DELETED w1," ]; then
    t_pass "list, then ADDED/MODIFIED/DELETED in order on a renewed watch"
else
    t_fail "event order: rc $rc: $seq $(head -3 "$W/live.err")"
fi
if grep -q '^BOOKMARK [0-9]' "$W/live.out"; then
    t_pass "bookmarks received"
else
    t_fail "no BOOKMARK in $(tr '\n' ' ' <"$W/live.out")"
fi
# resourceVersions only move forward through the stream.
if awk '$1 != "SYNCED" { v = ($1 == "BOOKMARK") ? $2 : $3; if (v + 0 < last) bad = 1; last = v + 0 } END { exit bad }' "$W/live.out"; then
    t_pass "resourceVersion advances monotonically"
else
    t_fail "resourceVersions: $(tr '\n' ' ' <"$W/live.out")"
fi

# --- 410 Gone after etcd compaction: relist ---------------------------------------
old=$(kc create configmap pre -n "$NS" --from-literal=x=y -o jsonpath='{.metadata.resourceVersion}')
kc create configmap later1 -n "$NS" >/dev/null
kc create configmap later2 -n "$NS" >/dev/null
rev=$(curl -s -X POST "$COVERT_CLUSTER_ETCD/v3/kv/range" -d '{"key":"Zm9v"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
curl -s -X POST "$COVERT_CLUSTER_ETCD/v3/kv/compaction" -d "{\"revision\": $rev, \"physical\": true}" >/dev/null
"$DRIVER" "$KUBECONFIG" ConfigMap "$NS" 3 "$old" >"$W/gone.out" 2>"$W/gone.err"
rc=$?
if [ "$rc" = 0 ] && grep -q '^ADDED pre [0-9]* relists=1$' "$W/gone.out" &&
    grep -q '^ADDED later2 [0-9]* relists=1$' "$W/gone.out" &&
    grep -q '^SYNCED relists=1$' "$W/gone.out"; then
    t_pass "resourceVersion compacted away (410): relisted and synced"
else
    t_fail "410 relist: rc $rc: $(tr '\n' ' ' <"$W/gone.out") $(head -3 "$W/gone.err")"
fi
t_done
