# End-to-end suites source this after harness.sh: it brings up the test
# control plane (tests/cluster/up.sh) unless one is already running, and
# stops at exit only what it started. After cluster_up:
#   $KUBECTL (array)  the pinned kubectl with the admin token kubeconfig
#   $COVERT_CLUSTER_*, $COVERT_TOKEN_*, $COVERT_CERT_*, $KUBECONFIG  (env file)
# cluster_up returns non-zero (and reports why) when it cannot: the suite
# then skips (a failure under CI=true).
CLUSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_STARTED=no

cluster_up() {
    local up="$CLUSTER_ROOT/tests/cluster/up.sh" bin
    bin=$("$CLUSTER_ROOT/tests/cluster/build.sh" --print-dir)
    if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/etcd" ] || [ ! -x "$bin/kubectl" ]; then
        CLUSTER_WHY="no kube-apiserver/etcd/kubectl in $bin (run make peers)"
        return 1
    fi
    if ! "$up" --check; then
        if ! "$up" >/dev/null; then
            CLUSTER_WHY="tests/cluster/up.sh failed"
            return 1
        fi
        CLUSTER_STARTED=yes
        trap cluster_cleanup EXIT
    fi
    # shellcheck disable=SC1090,SC1091
    . "${COVERT_CLUSTER_DIR:-${XDG_RUNTIME_DIR:-/tmp}/covert-cluster}/env"
    export KUBECONFIG
    KUBECTL=("$COVERT_CLUSTER_BIN/kubectl" --kubeconfig "$KUBECONFIG")
}

cluster_cleanup() {
    if [ "$CLUSTER_STARTED" = yes ]; then
        "$CLUSTER_ROOT/tests/cluster/down.sh" >/dev/null 2>&1
        CLUSTER_STARTED=no
    fi
}

# cluster_drop_namespace NS: delete a namespace and finalize it ourselves
# (no namespace controller runs).
cluster_drop_namespace() {
    "${KUBECTL[@]}" delete namespace "$1" --wait=false >/dev/null 2>&1 || return 0
    "${KUBECTL[@]}" get namespace "$1" -o json 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin); d["spec"]["finalizers"]=[]; print(json.dumps(d))' |
        "${KUBECTL[@]}" replace --raw "/api/v1/namespaces/$1/finalize" -f - >/dev/null 2>&1
    return 0
}

# cluster_suite: the start of an end-to-end suite: the cluster up, or the
# whole suite reported as skipped (a failure under CI=true) and the script
# ended.
cluster_suite() {
    if ! cluster_up; then
        t_skip "$SUITE suite" "$CLUSTER_WHY"
        t_done
        exit 0
    fi
}

# cluster_driver NAME: DRIVER=the built e2e driver NAME, or the suite fails
# and ends (make test builds them into $COVERT_BUILD/e2e/).
cluster_driver() {
    DRIVER=${COVERT_BUILD:-$CLUSTER_ROOT/build}/e2e/$1
    if [ ! -x "$DRIVER" ]; then
        t_fail "no $DRIVER (make build/e2e/$1)"
        t_done
        exit 0
    fi
}

# cluster_scratch PREFIX: the common start of a suite that runs background
# processes: $W a temporary directory, $NS a fresh namespace PREFIX-PID
# (created), pids=() for the processes to kill, kc as kubectl, and an EXIT
# trap that kills them, drops the namespace and the directory, and stops
# the cluster if this suite started it.
cluster_scratch() {
    W=$(mktemp -d)
    NS=$1-$$
    pids=()
    trap cluster_scratch_cleanup EXIT
    "${KUBECTL[@]}" create namespace "$NS" >/dev/null
}
cluster_scratch_cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    cluster_drop_namespace "$NS"
    rm -rf "$W"
    cluster_cleanup
}
kc() { "${KUBECTL[@]}" "$@"; }
