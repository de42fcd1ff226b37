#!/usr/bin/env bash
# ExternalSecret webhook stores beyond `bw serve`: the request covert sends is
# the one ESO's webhook provider (providers/v1/webhook/pkg/webhook/webhook.go)
# builds — method, the URL template over query-escaped data (url.QueryEscape:
# space "+", "/" "%2F", "&" "%26"), headers and body templates over the raw
# data, store secrets exposed as .<name>.<key>, a GET without a body — and
# one request serves every remoteRef that asks the same thing. A loopback
# endpoint records what arrives.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
W=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

python3 "$HERE/webhook/recorder.py" "$W/log" >"$W/port" &
pid=$!
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$W/port")"
sed "s#@URL@#$URL#" "$HERE/webhook/stores.yaml" >"$W/stores.yaml"
"$COVERT" externalsecret render -f "$HERE/webhook/externalsecret.yaml" --store "$W/stores.yaml" \
    --reveal >"$W/out" 2>"$W/err"
rc=$?

req() { python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' "$W/log" "$1"; }
if [ $rc = 0 ] && [ "$(req 'len(r)')" = 3 ]; then
    t_pass "one request per distinct remoteRef (3 for 4 entries)"
else
    t_fail "requests: rc=$rc $(cat "$W/err") $(cat "$W/log" 2>/dev/null)"
fi
first='[x for x in r if x["path"].startswith("/lookup/a")][0]'
t_check() { if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1: got [$2] want [$3]"; fi; }
t_check "method from the store" "$(req "$first[\"method\"]")" POST
t_check "URL template over query-escaped data" "$(req "$first[\"path\"]")" "/lookup/a+b%2Fc?p=x%26y"
t_check "body template over raw data" "$(req "$first[\"body\"]")" '{"key":"a b/c","property":"x&y"}'
t_check "header template with a store secret" "$(req "$first[\"headers\"][\"authorization\"]")" "Bearer tok-123"
t_check "header template over raw data" "$(req "$first[\"headers\"][\"x-key\"]")" "a b/c"
get='[x for x in r if x["path"].startswith("/get/")][0]'
t_check "GET by default, without a body" "$(req "$get[\"method\"]") $(req "'content-length' in $get[\"headers\"]")" "GET False"
# jsonPath results: a string as is, a number as strconv.FormatFloat(v,'f',0,64).
vals=$(python3 -c 'import base64,sys,yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d.get("kind") == "Secret":
        print(" ".join(k+"="+base64.b64decode(v).decode() for k, v in sorted(d["data"].items())))' "$W/out")
t_check "values" "$vals" "a=v-a+b%2Fc?p=x%26y again=v-a+b%2Fc?p=x%26y num=2 other=v-d?p=x%26y"
t_done
