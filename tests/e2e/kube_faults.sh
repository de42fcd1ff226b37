#!/usr/bin/env bash
# `covert apply` through a fault-injecting loopback proxy in front of the
# real API server (tests/lib/faultproxy.py): 429 with Retry-After, 500s,
# 503s, connections dropped before and after the server saw the request.
# Every object must end up applied exactly as written, each write reaching
# the server as often as the faults require and no more.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
cluster_suite

W=$(mktemp -d)
NS=covert-faults-$$
PROXY_PID=
cleanup() {
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
    cluster_drop_namespace "$NS"
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT
"${KUBECTL[@]}" create namespace "$NS" >/dev/null

cat >"$W/plan.json" <<EOF
[
 {"method": "PATCH", "path": "/configmaps/f-429", "faults": ["429"]},
 {"method": "PATCH", "path": "/configmaps/f-500", "faults": ["500", "500"]},
 {"method": "PATCH", "path": "/configmaps/f-503", "faults": ["503"]},
 {"method": "PATCH", "path": "/configmaps/f-drop-before", "faults": ["drop-before"]},
 {"method": "PATCH", "path": "/configmaps/f-drop-after", "faults": ["drop-after"]},
 {"method": "GET", "path": "/configmaps/f-get", "faults": ["500", "drop-before"]},
 {"method": "GET", "path": "/apis", "faults": ["429"]}
]
EOF
python3 "$HERE/../lib/faultproxy.py" --upstream "$COVERT_CLUSTER_SERVER" --ca "$COVERT_CLUSTER_CA" \
    --cert "$COVERT_CLUSTER_DIR/pki/apiserver.crt" --key "$COVERT_CLUSTER_DIR/pki/apiserver.key" \
    --plan "$W/plan.json" --log "$W/proxy.log" --port-file "$W/port" 2>"$W/proxy.err" &
PROXY_PID=$!
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
if [ ! -s "$W/port" ]; then
    t_fail "fault proxy did not start: $(cat "$W/proxy.err")"
    t_done
    exit 0
fi
cat >"$W/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster: {server: "https://127.0.0.1:$(cat "$W/port")", certificate-authority: $COVERT_CLUSTER_CA}
users:
- name: admin
  user: {token: $COVERT_TOKEN_ADMIN}
contexts:
- name: proxy
  context: {cluster: proxy, user: admin, namespace: $NS}
current-context: proxy
EOF

names="f-429 f-500 f-503 f-drop-before f-drop-after f-get f-plain"
for n in $names; do
    printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {name: %s}\n' "$n" "$n"
done >"$W/cms.yaml"
start=$(date +%s.%N)
"$COVERT" apply -f "$W/cms.yaml" --kubeconfig "$W/kubeconfig" >"$W/out" 2>"$W/err"
rc=$?
end=$(date +%s.%N)

if [ "$rc" = 0 ] && [ "$(grep -c ' created$' "$W/out")" = 7 ]; then
    t_pass "every object applied despite the faults"
else
    t_fail "apply through faults: rc $rc: $(cat "$W/out" "$W/err" | head -5)"
fi
bad=""
for n in $names; do
    [ "$("${KUBECTL[@]}" get cm "$n" -n "$NS" -o jsonpath='{.data.name}' 2>/dev/null)" = "$n" ] || bad="$bad $n"
done
[ -z "$bad" ] && t_pass "the cluster holds each object as written (kubectl)" || t_fail "missing or wrong:$bad"

# How often each write reached the server: once, plus once more where the
# server saw it but the answer was lost (drop-after).
reached() { awk -v p="/configmaps/$1?" '$2 == "PATCH" && index($3, p) && ($4 == "forward" || $4 == "drop-after")' "$W/proxy.log" | wc -l; }
counts=""
for n in $names; do counts="$counts $n=$(reached "$n")"; done
if [ "$counts" = " f-429=1 f-500=1 f-503=1 f-drop-before=1 f-drop-after=2 f-get=1 f-plain=1" ]; then
    t_pass "no lost or duplicated writes"
else
    t_fail "writes reaching the server:$counts"
fi
mf=$("${KUBECTL[@]}" get cm f-drop-after -n "$NS" -o jsonpath='{range .metadata.managedFields[*]}{.manager}:{.operation} {end}')
[ "$mf" = "covert:Apply " ] && t_pass "a write repeated after a lost answer leaves one Apply record" ||
    t_fail "managedFields after repeat: $mf"

# Retry-After: 1 was honoured (the repeat came at least a second later).
gap=$(awk '$2 == "PATCH" && index($3, "/configmaps/f-429?") { t[n++] = $1 } END { if (n == 2) printf "%.1f", t[1] - t[0] }' "$W/proxy.log")
if [ -n "$gap" ] && awk -v g="$gap" 'BEGIN { exit !(g >= 0.95 && g < 5) }'; then
    t_pass "429 Retry-After: 1 honoured (${gap}s)"
else
    t_fail "Retry-After gap: '$gap'"
fi
if grep -q '^[0-9.]* GET /apis 429 ' "$W/proxy.log" && grep -q '^[0-9.]* GET /apis forward 200' "$W/proxy.log"; then
    t_pass "discovery retried after 429"
else
    t_fail "discovery retry: $(grep ' /apis ' "$W/proxy.log" | head -3)"
fi
[ -n "${VERBOSE:-}" ] && cat "$W/proxy.log" >&2
: "$start" "$end"
t_done
