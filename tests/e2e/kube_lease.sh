#!/usr/bin/env bash
# Leader election (reconcile/kube/lease) between processes of
# tests/e2e/kube_lease_driver.c on a real Lease: one leader at a time; a
# killed leader is replaced once its lease has expired on the others'
# clocks (within leaseDuration + the jittered retryPeriod); a leader that
# releases on SIGTERM is replaced at the next attempt. The Lease is read
# back with kubectl.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

cluster_driver kube_lease_driver
cluster_suite

cluster_scratch covert-lease

# Timings: leaseDuration 4 s, renewDeadline 3 s, retryPeriod 1 s.
DUR=4000 RENEW=3000 RETRY=1000
candidate() { # candidate NAME: start one, output in $W/NAME
    "$DRIVER" "$KUBECONFIG" "$NS" the-lease "$1" 40 "$DUR" "$RENEW" "$RETRY" >"$W/$1" 2>"$W/$1.err" &
    pids+=($!)
    eval "pid_$1=$!"
    disown $! # no "Killed" notices from the shell
}
now_ms() { date +%s%3N; }
# wait_leading NAME SECONDS: the wall time (ms) at which NAME printed LEADING
wait_leading() {
    local end=$(($(now_ms) + $2 * 1000))
    while [ "$(now_ms)" -lt "$end" ]; do
        grep -q '^LEADING' "$W/$1" 2>/dev/null && { now_ms; return 0; }
        sleep 0.05
    done
    return 1
}
holder() { kc get lease the-lease -n "$NS" -o jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}'; }

candidate alpha
if wait_leading alpha 10 >/dev/null; then t_pass "first candidate becomes leader"; else
    t_fail "alpha never led: $(cat "$W/alpha.err")"; fi
candidate beta
sleep 3
if ! grep -q LEADING "$W/beta" && [ "$(holder)" = "alpha 0" ]; then
    t_pass "one leader at a time (the Lease names alpha)"
else
    t_fail "two leaders? beta: $(cat "$W/beta") lease: $(holder)"
fi

killed=$(now_ms)
kill -9 "$pid_alpha"
took=$(wait_leading beta 15)
gap=$(( ${took:-0} - killed ))
# Not before alpha's lease could have expired on beta's clock (its last
# renewal was seen at most one retryPeriod before the kill), and no later
# than leaseDuration + retryPeriod x (1 + 1.2 jitter), plus request time.
if [ -n "$took" ] && [ "$gap" -ge $((DUR - RETRY - 200)) ] && [ "$gap" -le $((DUR + RETRY * 22 / 10 + 1000)) ]; then
    t_pass "killed leader replaced after its lease expired (${gap} ms)"
else
    t_fail "takeover after kill: ${gap} ms ($(cat "$W/beta"))"
fi
if [ "$(holder)" = "beta 1" ]; then t_pass "Lease: holder beta, one transition"; else
    t_fail "Lease after takeover: $(holder)"; fi

candidate gamma
sleep 2
released=$(now_ms)
kill -TERM "$pid_beta"
took=$(wait_leading gamma 10)
gap=$(( ${took:-0} - released ))
if [ -n "$took" ] && [ "$gap" -le $((RETRY * 22 / 10 + 1000)) ] && grep -q '^RELEASED$' "$W/beta"; then
    t_pass "released lease taken at the next attempt (${gap} ms), not after leaseDuration"
else
    t_fail "takeover after release: ${gap} ms; beta: $(tr '\n' ' ' <"$W/beta")"
fi
if [ "$(holder)" = "gamma 2" ]; then t_pass "Lease: holder gamma, two transitions"; else
    t_fail "Lease after release: $(holder)"; fi
t_done
