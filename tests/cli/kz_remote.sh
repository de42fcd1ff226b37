#!/usr/bin/env bash
# `covert kustomize` with http resources against `kubectl kustomize`
# fetching the same URLs from a local Python http.server (127.0.0.1, a port
# the kernel picks): a CRD and a ConfigMap by URL beside a local file, one
# reached through a redirect, a 404, a git repository URL; then, the server
# stopped, the same bytes from the cache with --offline, and an offline miss.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
TMP=$(mktemp -d)
SRV_PID=
stop_server() {
    if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; fi
    SRV_PID=
}
trap 'stop_server; rm -rf "$TMP"' EXIT
# fail_case NAME TEXT ARGS...: `covert kustomize ARGS` exits 1 with TEXT on stderr.
fail_case() {
    local name=$1 text=$2 rc
    shift 2
    "$COVERT" kustomize "$@" >/dev/null 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -qF -- "$text" "$TMP/err"; then t_pass "$name"
    else t_fail "$name: rc=$rc $(cat "$TMP/err")"; fi
}

if ! command -v kubectl >/dev/null 2>&1; then
    t_skip "kz_remote" "kubectl not on PATH"
    t_done
    exit
fi

mkdir -p "$TMP/srv" "$TMP/k" "$TMP/k404" "$TMP/kgit"
cat >"$TMP/srv/crd.yaml" <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    listKind: WidgetList
    plural: widgets
    singular: widget
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
Y
cat >"$TMP/srv/cm.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata:
  name: remote-cm
  labels: {tier: web}
data:
  b: "2"
  a: one
  long: |
    line one
    line two
Y
cat >"$TMP/srv/widget.yaml" <<'Y'
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
Y

# SimpleHTTPRequestHandler plus one redirect (Go's client follows it).
cat >"$TMP/server.py" <<'PY'
import http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/moved.yaml":
            self.send_response(302)
            self.send_header("Location", "/widget.yaml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()
    def log_message(self, *a):
        pass
os.chdir(sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
python3 "$TMP/server.py" "$TMP/srv" "$TMP/port" &
SRV_PID=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port" 2>/dev/null)
if [ -z "$PORT" ]; then
    t_fail "http.server did not start"
    t_done
    exit
fi
BASE="http://127.0.0.1:$PORT"

cat >"$TMP/k/kustomization.yaml" <<Y
namespace: demo
namePrefix: p-
commonLabels:
  app: remote
resources:
- $BASE/crd.yaml
- $BASE/cm.yaml
- $BASE/moved.yaml
- local.yaml
configMapGenerator:
- name: gen
  literals: [k=v]
Y
cat >"$TMP/k/local.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: c
        image: nginx
        envFrom:
        - configMapRef:
            name: remote-cm
Y
# Origins of remote files, directly and from a local base.
mkdir -p "$TMP/kmeta/base"
printf 'buildMetadata: [originAnnotations, transformerAnnotations]\nnamespace: x\nresources:\n- base\n- %s/crd.yaml\n' \
    "$BASE" >"$TMP/kmeta/kustomization.yaml"
printf 'resources:\n- %s/cm.yaml\n' "$BASE" >"$TMP/kmeta/base/kustomization.yaml"
printf 'resources:\n- %s/cm.yaml\n- %s/missing.yaml\n' "$BASE" "$BASE" >"$TMP/k404/kustomization.yaml"
printf 'resources:\n- https://github.com/example/repo//deploy?ref=v1.0.0\n' >"$TMP/kgit/kustomization.yaml"

export XDG_CACHE_HOME="$TMP/cache"
CACHE="$TMP/cache/covert/http"

# --- online ------------------------------------------------------------------
kubectl kustomize "$TMP/k" >"$TMP/want.yaml" 2>"$TMP/want.err"
krc=$?
"$COVERT" kustomize "$TMP/k" >"$TMP/got.yaml" 2>"$TMP/got.err"
crc=$?
if [ $krc -eq 0 ] && [ $crc -eq 0 ] && cmp -s "$TMP/want.yaml" "$TMP/got.yaml"; then
    t_pass "online: byte-identical to kubectl kustomize"
else
    t_fail "online: kubectl rc=$krc covert rc=$crc $(head -c 300 "$TMP/got.err") $(diff "$TMP/want.yaml" "$TMP/got.yaml" | head -20)"
fi
grep -q "name: p-remote-cm" "$TMP/want.yaml" && grep -q "name: p-w1" "$TMP/want.yaml" ||
    t_fail "online: kubectl output lacks the remote objects (fixture broken)"

# Cache entries: named by sha256 of the URL (sha256sum, not covert), 0600,
# holding the bytes the server sent.
ok=1
for f in crd.yaml cm.yaml moved.yaml; do
    h=$(printf '%s' "$BASE/$f" | sha256sum | cut -d' ' -f1)
    src=$f
    [ "$f" = moved.yaml ] && src=widget.yaml
    if [ ! -f "$CACHE/$h" ] || [ "$(stat -c %a "$CACHE/$h")" != 600 ] ||
        ! cmp -s "$CACHE/$h" "$TMP/srv/$src"; then
        ok=0
        t_fail "cache: entry for $f missing, not 0600, or not the served bytes"
    fi
done
[ $ok = 1 ] && t_pass "cache: sha256(URL) entries, mode 0600, served bytes"
[ -d "$CACHE" ] && [ "$(find "$CACHE" -name '*.??????' | wc -l)" = 0 ] && t_pass "cache: no temporary files left" ||
    t_fail "cache: temporary files left behind"

kubectl kustomize "$TMP/kmeta" >"$TMP/meta.want" 2>"$TMP/meta.err"
krc=$?
"$COVERT" kustomize "$TMP/kmeta" >"$TMP/meta.got" 2>>"$TMP/meta.err"
crc=$?
if [ $krc -eq 0 ] && [ $crc -eq 0 ] && cmp -s "$TMP/meta.want" "$TMP/meta.got" &&
    grep -q "path: base/http:/127.0.0.1:$PORT/cm.yaml" "$TMP/meta.got"; then
    t_pass "buildMetadata: origins of remote files as kubectl writes them"
else
    t_fail "buildMetadata: kubectl rc=$krc covert rc=$crc $(head -c 300 "$TMP/meta.err")"
fi

# --- HTTP errors ---------------------------------------------------------------
kubectl kustomize "$TMP/k404" >/dev/null 2>"$TMP/k404.err"
krc=$?
"$COVERT" kustomize "$TMP/k404" >/dev/null 2>"$TMP/c404.err"
crc=$?
want="accumulating resources from '$BASE/missing.yaml': HTTP Error: status code 404 (Not Found)"
if [ $krc -ne 0 ] && [ $crc -eq 1 ] && grep -qF "$want" "$TMP/k404.err" &&
    grep -qxF "covert kustomize: error: $want" "$TMP/c404.err"; then
    t_pass "404: both fail with kustomize's HTTP Error wording"
else
    t_fail "404: kubectl rc=$krc covert rc=$crc: $(cat "$TMP/k404.err" "$TMP/c404.err")"
fi

fail_case "git repository URL refused by name" \
    "covert kustomize: error: remote base 'https://github.com/example/repo//deploy?ref=v1.0.0' is a git repository" \
    "$TMP/kgit"

# --- server gone ---------------------------------------------------------------
stop_server
"$COVERT" kustomize --offline "$TMP/k" >"$TMP/off.yaml" 2>"$TMP/off.err"
crc=$?
if [ $crc -eq 0 ] && cmp -s "$TMP/want.yaml" "$TMP/off.yaml"; then
    t_pass "offline: the cache renders the same bytes"
else
    t_fail "offline: rc=$crc $(head -c 300 "$TMP/off.err")"
fi

fail_case "online with the server down: fails (no silent use of the cache)" \
    "covert kustomize: error: " "$TMP/k"
XDG_CACHE_HOME="$TMP/empty" fail_case "offline miss: error names the URL" \
    "covert kustomize: error: '$BASE/crd.yaml' is not in the http cache (offline build)" \
    --offline "$TMP/k"

t_done
