#!/usr/bin/env bash
# Events (events.k8s.io/v1) recorded by reconcile/kube/events against the
# real kube-apiserver, which validates every field; read back with the
# pinned kubectl, including `kubectl events`, the peer that consumes them.
# Checks the client-go recorder's shapes: event name "<object>.<hex ns>",
# the regarding reference (uid, resourceVersion), reporting controller and
# instance, a repeated event turned into one series (count 3), a note cut
# to the API's 1 KiB limit on a character boundary, a series whose event
# was deleted created anew with its count, and a series that ended (no
# repeat for 6 minutes) followed by a new single event.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

cluster_suite
cluster_driver kube_events_driver

NS=covert-events-$$
W=$(mktemp -d)
cleanup() {
    cluster_drop_namespace "$NS"
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

"${KUBECTL[@]}" create namespace "$NS" >/dev/null
"${KUBECTL[@]}" -n "$NS" create configmap app --from-literal=a=b >/dev/null
UID_CM=$("${KUBECTL[@]}" -n "$NS" get configmap app -o jsonpath='{.metadata.uid}')

events_json() { "${KUBECTL[@]}" -n "$NS" get events.events.k8s.io -o json >"$W/ev.json"; }
# field REASON EXPR: a Python expression over the event `e` with that reason.
field() {
    python3 - "$W/ev.json" "$1" "$2" <<'PY'
import json, sys
items = [e for e in json.load(open(sys.argv[1]))["items"] if e.get("reason") == sys.argv[2]]
e = items[0] if len(items) == 1 else None
print(eval(sys.argv[3]) if e is not None else f"<{len(items)} events>")
PY
}
expect() {
    local got
    got=$(field "$2" "$3")
    if [ "$got" = "$4" ]; then t_pass "$1"; else t_fail "$1: got $got, want $4"; fi
}

if "$DRIVER" "$KUBECONFIG" "$NS" app first 2>"$W/err"; then
    t_pass "events recorded (the API server accepted every one)"
else
    t_fail "recording failed: $(cat "$W/err")"
fi
events_json
expect "name is <object>.<hex nanoseconds>" Progressing \
    'bool(__import__("re").fullmatch(r"app\.[0-9a-f]{16,}", e["metadata"]["name"]))' True
expect "regarding names the ConfigMap by uid" Progressing \
    'e["regarding"]["uid"] == "'"$UID_CM"'" and e["regarding"]["kind"] == "ConfigMap" and e["regarding"]["apiVersion"] == "v1"' True
expect "reporting controller and instance" Progressing \
    'e["reportingController"] + " " + e["reportingInstance"]' "covert-test covert-test-1"
expect "three occurrences are one series of 3" Progressing 'e["series"]["count"]' 3
expect "series lastObservedTime is a MicroTime" Progressing \
    'bool(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", e["series"]["lastObservedTime"]))' True
expect "warning note cut to 1 KiB on a character boundary" BuildFailed \
    'len(e["note"].encode()) <= 1024 and e["note"] == "é" * len(e["note"]) and len(e["note"]) == 512' True
expect "type and action" BuildFailed 'e["type"] + " " + e["action"]' "Warning Build"

if "${KUBECTL[@]}" -n "$NS" events --for configmap/app >"$W/kev" 2>&1 &&
    grep -q "Progressing" "$W/kev" && grep -q "BuildFailed" "$W/kev"; then
    t_pass "kubectl events lists both for configmap/app"
else
    t_fail "kubectl events: $(cat "$W/kev")"
fi

"${KUBECTL[@]}" -n "$NS" delete events.events.k8s.io --all >/dev/null
if "$DRIVER" "$KUBECONFIG" "$NS" app again 2>"$W/err"; then
    events_json
    got=$(python3 -c '
import json, sys
items = [e for e in json.load(open(sys.argv[1]))["items"] if e.get("reason") == "Progressing"]
print(sorted((e.get("series") or {}).get("count", 1) for e in items))' "$W/ev.json")
    if [ "$got" = "[1, 4]" ]; then
        t_pass "deleted series re-created with count 4; after the series ended, a new single event"
    else
        t_fail "after delete + finish: Progressing counts $got, want [1, 4]"
    fi
else
    t_fail "second run failed: $(cat "$W/err")"
fi
t_done
