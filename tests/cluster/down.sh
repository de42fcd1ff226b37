#!/usr/bin/env bash
# Stop the test control plane started by up.sh (kube-apiserver, then etcd)
# and remove its state directory.
set -u
: "${COVERT_CLUSTER_DIR:=${XDG_RUNTIME_DIR:-/tmp}/covert-cluster}"
DIR=$COVERT_CLUSTER_DIR
[ -d "$DIR" ] || { echo "cluster: nothing at $DIR" >&2; exit 0; }

# stop NAME: TERM the recorded pid, then KILL it after 10 s.
stop() {
    local f="$DIR/$1.pid" pid n=50
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
            sleep 0.2
            n=$((n - 1))
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$f"
}
stop kube-apiserver
stop etcd
rm -rf "$DIR"
echo "cluster: stopped ($DIR removed)" >&2
