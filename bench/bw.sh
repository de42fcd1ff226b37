#!/usr/bin/env bash
# ExternalSecrets against Bitwarden Secrets Manager: covert against the
# official SDK, in one run, on the loopback fake server
# (tests/bitwarden/fake_server.py --generate N).
#
#   bench/bw.sh [BUILD_DIR]
#
# N ExternalSecrets (default 1000), each naming one secret by name within a
# project (the common bitwardensecretsmanager shape), rendered by
# `covert externalsecret render`; the server counts the requests. The peer
# is @bitwarden/sdk-napi 1.0.0 fetching the same N secrets the ways its
# users do: one client doing list + getByIds (the best case, what `bws
# secret list` does), and the bitwarden-sdk-server pattern ESO uses (a new
# client and login per request, list then get per name lookup) on the first
# 100 only (it is slow and the fake server would need minutes).
# Reports median wall time of RUNS runs, peak RSS, server request counts.
#
# Environment: N=1000 RUNS=3 COVERT_SHARED=../shared PEERS=~/.cache/covert/peers
set -euo pipefail

O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
RUNS=${RUNS:-3}
PEERS=${PEERS:-$HOME/.cache/covert/peers}
SHARED=${COVERT_SHARED:-$ROOT/../shared}
SDK_DIR="$PEERS/sdk-napi-1.0.0/node_modules"
TIME=/usr/bin/time
WORK=$(mktemp -d)
PROD=8ba462f9-6518-4c4c-bcb4-9ab76a16b1dc
ORG=218344fe-3941-483e-9811-7bdaf49699d1
export BWS_ACCESS_TOKEN="0.d7df7db8-0e0f-4676-bfc4-f9e9364e444c.cszvFo3IUQJ5xmhxXHnlFDD4gQWqd1:hviTD8zcLEUdkBQy77FmGQ=="

python3 "$ROOT/tests/bitwarden/fake_server.py" --port-file "$WORK/port" --shared "$SHARED" --generate "$N" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.1; done
BASE="http://127.0.0.1:$(cat "$WORK/port")"

cat >"$WORK/store.yaml" <<EOF
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: bw}
spec:
  provider:
    bitwardensecretsmanager:
      apiURL: $BASE/ok/api
      identityURL: $BASE/ok/identity
      organizationID: $ORG
      projectID: $PROD
EOF
python3 - "$N" >"$WORK/es.yaml" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print(f"""---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {{name: app-{i}, namespace: bench}}
spec:
  secretStoreRef: {{kind: ClusterSecretStore, name: bw}}
  target:
    template:
      data:
        url: "https://u:{{{{ .password }}}}@db-{i}"
  data:
  - secretKey: password
    remoteRef: {{key: bench-{i}}}""")
EOF

counts() { curl -s "$BASE/_counts"; }
reset() { curl -s -X POST "$BASE/_reset" >/dev/null; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run LABEL CMD...: RUNS timed runs; prints "wall_median rss_max counts_of_last"
run() {
    local label=$1 walls="" rss=0
    shift
    for _ in $(seq "$RUNS"); do
        reset
        $TIME -f "%e %M" -o "$WORK/t" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; return 1; }
        read -r w m <"$WORK/t"
        walls="$walls$w"$'\n'
        [ "$m" -gt "$rss" ] && rss=$m
    done
    printf '| %s | %s s | %.1f MiB | %s |\n' "$label" "$(printf '%s' "$walls" | median)" \
        "$(echo "$rss / 1024" | bc -l)" "$(counts)"
}

echo "N=$N ExternalSecrets / secrets, $RUNS runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| client | median wall | peak RSS | server requests (last run) |"
echo "|---|---|---|---|"
run "covert externalsecret render ($N ESs)" "$ROOT/$O/covert" externalsecret render -f "$WORK/es.yaml" --store "$WORK/store.yaml"
grep -c "kind: Secret" "$WORK/out" >/dev/null
if [ -d "$SDK_DIR/@bitwarden/sdk-napi" ]; then
    cat >"$WORK/sdk_best.js" <<'EOF'
const { BitwardenClient } = require("@bitwarden/sdk-napi/binding");
(async () => {
  const [api, id, org] = process.argv.slice(2);
  const c = new BitwardenClient(JSON.stringify({ apiUrl: api, identityUrl: id, userAgent: "Bitwarden Rust-SDK", deviceType: "SDK" }), 4);
  const run = async (cmd) => { const r = JSON.parse(await c.runCommand(JSON.stringify(cmd))); if (!r.success) throw new Error(r.errorMessage); return r.data; };
  await run({ loginAccessToken: { accessToken: process.env.BWS_ACCESS_TOKEN, stateFile: null } });
  const list = await run({ secrets: { list: { organizationId: org } } });
  const got = await run({ secrets: { getByIds: { ids: list.data.map((s) => s.id) } } });
  console.log(got.data.length);
})().catch((e) => { console.error(String(e)); process.exit(1); });
EOF
    cat >"$WORK/sdk_eso.js" <<'EOF'
// What ESO's bitwarden provider makes bitwarden-sdk-server do for a name
// lookup: a fresh client and login per request, list, then get.
const { BitwardenClient } = require("@bitwarden/sdk-napi/binding");
(async () => {
  const [api, id, org, n] = process.argv.slice(2);
  const fresh = async () => {
    const c = new BitwardenClient(JSON.stringify({ apiUrl: api, identityUrl: id, userAgent: "Bitwarden Rust-SDK", deviceType: "SDK" }), 4);
    await c.runCommand(JSON.stringify({ loginAccessToken: { accessToken: process.env.BWS_ACCESS_TOKEN, stateFile: null } }));
    return async (cmd) => JSON.parse(await c.runCommand(JSON.stringify(cmd))).data;
  };
  for (let i = 0; i < Number(n); i++) {
    const list = await (await fresh())({ secrets: { list: { organizationId: org } } });
    const hit = list.data.find((s) => s.key === `bench-${i}`);
    await (await fresh())({ secrets: { get: { id: hit.id } } });
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
EOF
    export NODE_PATH="$SDK_DIR"
    run "SDK 1.0.0, one client, list + getByIds" node "$WORK/sdk_best.js" "$BASE/ok/api" "$BASE/ok/identity" "$ORG"
    run "SDK 1.0.0, bitwarden-sdk-server pattern (first 100)" node "$WORK/sdk_eso.js" "$BASE/ok/api" "$BASE/ok/identity" "$ORG" 100
else
    echo "(official SDK not installed: make peers)"
fi
