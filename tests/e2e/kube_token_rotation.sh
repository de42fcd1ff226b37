#!/usr/bin/env bash
# Token rotation: a long-running client (a leader-election candidate from
# tests/e2e/kube_lease_driver.c, renewing every second) keeps working when
# the token it was started with stops being valid and a new one is written
# over its token file — as kubelet rotates a projected service-account
# token. Three candidates, each on its own Lease:
#   incluster  in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT and a
#              service-account directory with token, ca.crt, namespace);
#   tokenfile  a kubeconfig user with tokenFile;
#   static     a kubeconfig user with an inline token (the control: nothing
#              to re-read, so it must lose its lease — proving the old
#              token really was revoked).
# Revocation is real: the tokens are bound service-account tokens from the
# TokenRequest API, and deleting their ServiceAccount makes the API server
# refuse them (401).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

cluster_driver kube_lease_driver
cluster_suite

cluster_scratch covert-rot

# Two accounts per candidate: OLD (revoked mid-run) and NEW (rotated in).
kc -n "$NS" create role lease-rw --verb=get,create,update --resource=leases.coordination.k8s.io >/dev/null
accounts=()
for c in incluster tokenfile static; do accounts+=("$c-old" "$c-new"); done
for a in "${accounts[@]}"; do
    kc -n "$NS" create serviceaccount "$a" >/dev/null
    kc -n "$NS" create rolebinding "$a" --role=lease-rw --serviceaccount="$NS:$a" >/dev/null
done
token() { kc -n "$NS" create token "$1" --duration=10m; }

# incluster: the service-account directory a pod would have.
mkdir -p "$W/sa"
cp "$COVERT_CLUSTER_DIR/pki/ca.crt" "$W/sa/ca.crt"
printf '%s' "$NS" >"$W/sa/namespace"
token incluster-old >"$W/sa/token"
# tokenfile and static: kubeconfigs on the same cluster.
CA_DATA=$(base64 -w0 <"$COVERT_CLUSTER_DIR/pki/ca.crt")
kubeconfig() { # kubeconfig FILE USER-YAML
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: $COVERT_CLUSTER_SERVER
    certificate-authority-data: $CA_DATA
users:
- name: u
  user:
    $2
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
EOF
}
token tokenfile-old >"$W/token"
kubeconfig "$W/tokenfile.kubeconfig" "tokenFile: $W/token"
kubeconfig "$W/static.kubeconfig" "token: $(token static-old)"

# leaseDuration 4 s, renewDeadline 3 s, retryPeriod 1 s; 50 s at most.
HOSTPORT=${COVERT_CLUSTER_SERVER#https://}
start() { # start NAME KUBECONFIG-ARG
    KUBERNETES_SERVICE_HOST=${HOSTPORT%:*} KUBERNETES_SERVICE_PORT=${HOSTPORT##*:} \
        "$DRIVER" "$2" "$NS" "lease-$1" "$1" 50 4000 3000 1000 >"$W/$1.out" 2>"$W/$1.err" &
    pids+=($!)
    disown $!
}
start incluster "in-cluster:$W/sa"
start tokenfile "$W/tokenfile.kubeconfig"
start static "$W/static.kubeconfig"

leading() { grep -q '^LEADING' "$W/$1.out" 2>/dev/null; }
for _ in $(seq 100); do
    leading incluster && leading tokenfile && leading static && break
    sleep 0.1
done
for c in incluster tokenfile static; do
    if leading "$c"; then t_pass "$c: leads with its first token"; else
        t_fail "$c never led: $(cat "$W/$c.err")"; fi
done

# Rotate as kubelet does (the new file renamed over the old one), then
# revoke every old token.
token incluster-new >"$W/sa/token.new" && mv "$W/sa/token.new" "$W/sa/token"
token tokenfile-new >"$W/token.new" && mv "$W/token.new" "$W/token"
for c in incluster tokenfile static; do kc -n "$NS" delete serviceaccount "$c-old" >/dev/null; done

renew_time() { kc -n "$NS" get lease "lease-$1" -o jsonpath='{.spec.renewTime}'; }
epoch() { date -d "$1" +%s 2>/dev/null || echo 0; }
# The API server caches a token's authentication for 10 s, so the old
# tokens are refused some seconds after the deletion: the control shows
# when (it gives up renewDeadline after its first refusal).
for _ in $(seq 250); do grep -q '^LOST' "$W/static.out" && break; sleep 0.1; done
if grep -q '^LOST' "$W/static.out" && grep -q 'step:' "$W/static.err"; then
    t_pass "static token (control): refused after revocation, lease lost"
else
    t_fail "static token kept working after its account was deleted: $(tr '\n' ' ' <"$W/static.out")"
fi
refused=$(date +%s)
sleep 3
for c in incluster tokenfile; do
    renewed=$(epoch "$(renew_time "$c")")
    if ! grep -q '^LOST' "$W/$c.out" && [ "$renewed" -gt "$refused" ] && ! grep -q 'step:' "$W/$c.err"; then
        t_pass "$c: re-read the rotated token after the old one was refused, kept its lease"
    else
        t_fail "$c after rotation: $(tr '\n' ' ' <"$W/$c.out") renewed=$renewed refused=$refused $(head -3 "$W/$c.err")"
    fi
done
t_done
