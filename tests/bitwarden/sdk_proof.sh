#!/usr/bin/env bash
# The fake server is faithful, and covert agrees with the official SDK.
#
# tests/bitwarden/fake_server.py serves identity + Secrets Manager API as the
# reference records them. Here the official SDK (@bitwarden/sdk-napi 1.0.0,
# Bitwarden's Rust SDK as a Node addon, installed by tests/peers/build.sh)
# logs in against it and reads every secret and project; `covert bw` does the
# same and must print exactly the same objects. Secrets covert creates must
# read back through the SDK (covert's encryption accepted by Bitwarden's
# code) and the other way round; a state file the SDK writes is reused by
# covert without a login. Failure scenarios must fail in both. Request counts
# come from the server's own log.
set -u
. "$(dirname "$0")/../lib/harness.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COVERT=${COVERT_BIN:-$ROOT/build/covert}
SHARED=${COVERT_SHARED:-$ROOT/../shared}
SDK_DIR="$PEERS/sdk-napi-1.0.0/node_modules"
HERE="$ROOT/tests/bitwarden"

if [ ! -f "$SHARED/testvectors/bitwarden/sm_api_responses.json" ]; then
    t_skip "sdk proof" "no shared vectors at $SHARED"
    t_done
    exit
fi
if ! command -v node >/dev/null || [ ! -d "$SDK_DIR/@bitwarden/sdk-napi" ]; then
    t_skip "sdk proof" "official SDK not installed (make peers)"
    t_done
    exit
fi

WORK=$(mktemp -d)
python3 "$HERE/fake_server.py" --port-file "$WORK/port" --shared "$SHARED" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/port")
BASE="http://127.0.0.1:$PORT"
TOKEN="0.d7df7db8-0e0f-4676-bfc4-f9e9364e444c.cszvFo3IUQJ5xmhxXHnlFDD4gQWqd1:hviTD8zcLEUdkBQy77FmGQ=="
ORG=218344fe-3941-483e-9811-7bdaf49699d1
PROD=8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc
export BWS_ACCESS_TOKEN=$TOKEN

sdk() { # sdk SCENARIO CMD_JSON... > output lines
    local s=$1
    shift
    NODE_PATH="$SDK_DIR" node "$HERE/sdk_client.js" "$BASE/$s/api" "$BASE/$s/identity" - "$@"
}
cmp_py() { python3 "$HERE/compare.py" "$@"; }
reset() { curl -s -X POST "$BASE/_reset" >/dev/null; }
counts() { cmp_py counts "$BASE"; }

# 1. everything, both ways ------------------------------------------------
ids=$(python3 -c "import json;print(json.dumps([s['id'] for s in json.load(open('$SHARED/testvectors/bitwarden/sm_api_responses.json'))['data']['expected_get_decrypted']]))")
sdk ok "{\"secrets\":{\"list\":{\"organizationId\":\"$ORG\"}}}" \
    "{\"secrets\":{\"getByIds\":{\"ids\":$ids}}}" \
    "{\"projects\":{\"list\":{\"organizationId\":\"$ORG\"}}}" \
    "{\"secrets\":{\"get\":{\"id\":\"87e29ec9-3cad-44df-8cec-5a58adac33dd\"}}}" >"$WORK/sdk.out" 2>"$WORK/sdk.err"
t_check "sdk logs in against the fake server" cmp_py ok "$WORK/sdk.out" 0
reset
"$COVERT" bw -u "$BASE/ok" secret list >"$WORK/list.json" 2>"$WORK/err" || cat "$WORK/err" >&2
t_check "covert secret list = SDK getByIds (every field)" cmp_py secrets "$WORK/sdk.out" "$WORK/list.json"
t_check "covert secret list = published plaintexts" cmp_py vectors "$WORK/list.json" "$SHARED"
t_check "secret list: 1 login + list + get-by-ids" test "$(counts)" = "1 2"
"$COVERT" bw -u "$BASE/ok" project list >"$WORK/projects.json"
t_check "covert project list = SDK projects.list" cmp_py projects "$WORK/sdk.out" "$WORK/projects.json"
"$COVERT" bw -u "$BASE/ok" secret get 87e29ec9-3cad-44df-8cec-5a58adac33dd >"$WORK/one.json"
t_check "covert secret get = SDK secrets.get" cmp_py one "$WORK/sdk.out" "$WORK/one.json" 4

# 2. covert writes, the SDK reads; the SDK writes, covert reads ------------
"$COVERT" bw -u "$BASE/ok" secret create "  FROM_COVERT  " "v@lue with spaces " "$PROD" \
    --note " n " >"$WORK/created.json"
cid=$(python3 -c "import json;print(json.load(open('$WORK/created.json'))['id'])")
sdk ok "{\"secrets\":{\"get\":{\"id\":\"$cid\"}}}" >"$WORK/sdk2.out"
t_check "SDK decrypts the secret covert created" test \
    "$(cmp_py field "$WORK/sdk2.out" 1 key)|$(cmp_py field "$WORK/sdk2.out" 1 value)|$(cmp_py field "$WORK/sdk2.out" 1 note)" = \
    "FROM_COVERT|v@lue with spaces |n"
sdk ok "{\"secrets\":{\"create\":{\"organizationId\":\"$ORG\",\"key\":\"FROM_SDK\",\"value\":\"sdk-value\",\"note\":\"\",\"projectIds\":[\"$PROD\"]}}}" >"$WORK/sdk3.out"
sid=$(cmp_py field "$WORK/sdk3.out" 1 id)
"$COVERT" bw -u "$BASE/ok" -o tsv secret get "$sid" >"$WORK/sdkmade.tsv"
t_check "covert decrypts the secret the SDK created" grep -q "	FROM_SDK	sdk-value	" "$WORK/sdkmade.tsv"
"$COVERT" bw -u "$BASE/ok" secret edit "$cid" --value rotated >/dev/null
sdk ok "{\"secrets\":{\"get\":{\"id\":\"$cid\"}}}" >"$WORK/sdk4.out"
t_check "SDK reads covert's edit" test "$(cmp_py field "$WORK/sdk4.out" 1 value)" = rotated
"$COVERT" bw -u "$BASE/ok" project create "Made by covert" >"$WORK/proj.json"
pid=$(python3 -c "import json;print(json.load(open('$WORK/proj.json'))['id'])")
sdk ok "{\"projects\":{\"get\":{\"id\":\"$pid\"}}}" >"$WORK/sdk5.out"
t_check "SDK decrypts covert's project name" test "$(cmp_py field "$WORK/sdk5.out" 1 name)" = "Made by covert"

# 3. the SDK's state file is reused by covert (no identity request) -------
reset
NODE_PATH="$SDK_DIR" node -e '
const { BitwardenClient } = require("@bitwarden/sdk-napi/binding");
const c = new BitwardenClient(JSON.stringify({ apiUrl: process.argv[1], identityUrl: process.argv[2],
  userAgent: "Bitwarden Rust-SDK", deviceType: "SDK" }), 4);
c.runCommand(JSON.stringify({ loginAccessToken: { accessToken: process.env.BWS_ACCESS_TOKEN,
  stateFile: process.argv[3] } })).then((r) => process.exit(JSON.parse(r).success ? 0 : 1));
' "$BASE/ok/api" "$BASE/ok/identity" "$WORK/state" || true
before=$(counts)
"$COVERT" bw -u "$BASE/ok" --state-file "$WORK/state" secret get 87e29ec9-3cad-44df-8cec-5a58adac33dd >/dev/null
after=$(counts)
t_check "covert reuses the SDK's state file without logging in" test \
    "${before%% *}" = "${after%% *}" -a -n "$before"

# 4. failures fail in both -------------------------------------------------
for s in badmac type0 nullnote api404 api500 api401 id400 noorg; do
    sdk "$s" "{\"secrets\":{\"get\":{\"id\":\"87e29ec9-3cad-44df-8cec-5a58adac33dd\"}}}" >"$WORK/e.out" 2>/dev/null
    sdk_failed=1
    cmp_py ok "$WORK/e.out" 0 && cmp_py ok "$WORK/e.out" 1 && sdk_failed=0
    covert_failed=0
    "$COVERT" bw -u "$BASE/$s" secret get 87e29ec9-3cad-44df-8cec-5a58adac33dd >/dev/null 2>"$WORK/e.err" ||
        covert_failed=1
    t_check "$s: SDK and covert both refuse" test "$sdk_failed$covert_failed" = 11
    if grep -q "hunter2" "$WORK/e.err"; then t_fail "$s: plaintext in the error"; fi
done
# SDK 1.0.0 decrypts a secret that claims another organization with its one
# key; covert (like the current SDK) refuses it.
"$COVERT" bw -u "$BASE/orgmismatch" secret get 87e29ec9-3cad-44df-8cec-5a58adac33dd >/dev/null 2>"$WORK/e.err"
t_check "orgmismatch: covert refuses" grep -q "another organization" "$WORK/e.err"

# 5. retries and renewal visible in the server's counts --------------------
reset
"$COVERT" bw -u "$BASE/flaky429" secret get 87e29ec9-3cad-44df-8cec-5a58adac33dd >"$WORK/r.json"
t_check "429 with Retry-After: retried, then served" grep -q '"value": "hunter2"' "$WORK/r.json"
reset
"$COVERT" bw -u "$BASE/expire1" secret list >"$WORK/r.json"
t_check "token revoked mid-run: one renewal (2 logins, 3 API)" test "$(counts)" = "2 3"

t_done
