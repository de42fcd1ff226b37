#!/usr/bin/env bash
# `covert bw vault` and the webhook stores against the real Bitwarden CLI.
#
# The official CLI (@bitwarden/cli, pinned in tests/peers/build.sh) logs in
# to tests/bitwarden/fake_vault.py (a loopback Password Manager server with
# the vault gen_vault.py encrypts from vault_items.json; the key hierarchy is
# first checked against pm_key_hierarchy.json) and runs `bw serve`. For every
# item and value covert's answer must equal what `bw get` prints (stdout,
# stderr, exit status) and what bw serve itself answers; then the errors
# (not found, not logged in, locked), TOTP codes, list/sync/status, and
# `covert externalsecret render` with the home-ops webhook stores pointing
# at the real bw serve, expected values being the `bw get` outputs.
set -u
. "$(dirname "$0")/../lib/harness.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COVERT=${COVERT_BIN:-$ROOT/build/covert}
SHARED=${COVERT_SHARED:-$ROOT/../shared}
HERE="$ROOT/tests/bitwarden"
BWCLI_VERSION=2026.9.0
BW="$PEERS/bwcli/node_modules/.bin/bw"

if [ ! -f "$SHARED/testvectors/bitwarden/pm_key_hierarchy.json" ]; then
    t_skip "bw serve" "no shared vectors at $SHARED"
    t_done
    exit
fi
t_check "vault generator follows pm_key_hierarchy.json" \
    python3 "$HERE/gen_vault.py" --check --shared "$SHARED"
if ! command -v node >/dev/null || [ ! -x "$BW" ] ||
    [ "$("$BW" --version 2>/dev/null)" != "$BWCLI_VERSION" ]; then
    t_skip "bw serve" "@bitwarden/cli $BWCLI_VERSION not installed (make peers)"
    t_done
    exit
fi

WORK=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
# The CLI refuses plain http servers: a throwaway self-signed certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
python3 "$HERE/gen_vault.py" "$HERE/vault_items.json" "$WORK/vault.json"
python3 "$HERE/fake_vault.py" --port-file "$WORK/port" --vault "$WORK/vault.json" \
    --cert "$WORK/cert.pem" --key "$WORK/key.pem" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
SERVER="https://127.0.0.1:$(cat "$WORK/port")"
export NODE_EXTRA_CA_CERTS="$WORK/cert.pem" BITWARDENCLI_APPDATA_DIR="$WORK/app"
export BW_NOINTERACTION=true
unset BW_SESSION BW_SERVE_URL BW_CLIENTID BW_CLIENTSECRET

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# serve APPDATA: start bw serve on a free port and set SERVE to its URL
# (not run in a subshell: its process id must reach the exit trap).
serve() {
    local port
    port=$(free_port)
    BITWARDENCLI_APPDATA_DIR=$1 "$BW" serve --port "$port" --hostname 127.0.0.1 \
        >"$1.serve.log" 2>&1 &
    PIDS="$PIDS $!"
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/status" >/dev/null && break
        sleep 0.1
    done
    SERVE="http://127.0.0.1:$port"
}

"$BW" config server "$SERVER" >/dev/null 2>&1
export VAULT_PW=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['password'])" "$HERE/vault_items.json")
if BW_SESSION=$("$BW" login covert@example.test --passwordenv VAULT_PW --raw 2>"$WORK/login.err"); then
    t_pass "bw login (password) against the fake server"
else
    t_fail "bw login against the fake server: $(head -3 "$WORK/login.err")"
    t_done
    exit
fi
export BW_SESSION
serve "$WORK/app"
export BW_SERVE_URL=$SERVE

IDS=$(python3 -c "import json,sys;print(' '.join(i['id'] for i in json.load(open(sys.argv[1]))['items']))" "$HERE/vault_items.json")
MISSING=11111111-aaaa-4bbb-8ccc-00000000ffff
WHATS="item username password notes uri"

# 1. The bw CLI itself, once per case, in parallel (each run gets its own
# copy of the CLI's data directory, which the CLI rewrites on every start):
# how `bw get` / `bw list` / `bw sync` print (raw values, compact JSON, no
# newline off a terminal, bw's message on stderr, exit status 1).
I=11111111-aaaa-4bbb-8ccc-00000000000
mkdir -p "$WORK/bw" "$WORK/cv"
printf '%s\n' "get item ${I}1" "get item ${I}3" "get item ${I}5" \
    "get item $MISSING" "get username ${I}1" "get password ${I}1" "get notes ${I}2" \
    "get uri ${I}1" "get username ${I}5" "get password ${I}6" "get notes ${I}4" \
    "get totp ${I}1" "get totp ${I}5" "list items" \
    "list items --search org" "sync" >"$WORK/jobs"
bw_job() { # N ARGS...
    local n=$1
    shift
    cp -r "$WORK/app" "$WORK/app.$n"
    BITWARDENCLI_APPDATA_DIR="$WORK/app.$n" "$BW" "$@" >"$WORK/bw/$n.out" 2>"$WORK/bw/$n.err"
    echo $? >"$WORK/bw/$n.rc"
}
export -f bw_job
export BW WORK
# Meanwhile the other login path: an API key, then `bw unlock --passwordenv`.
apikey_login() {
    local d="$WORK/app.apikey" api
    mkdir -p "$d"
    api=$(python3 -c "import json,sys;a=json.load(open(sys.argv[1]))['apiKey'];print(a['clientId'],a['clientSecret'])" "$HERE/vault_items.json")
    export BITWARDENCLI_APPDATA_DIR=$d
    unset BW_SESSION
    "$BW" config server "$SERVER" >/dev/null 2>&1 &&
        BW_CLIENTID=${api% *} BW_CLIENTSECRET=${api#* } "$BW" login --apikey >/dev/null 2>&1 &&
        BW_SESSION=$("$BW" unlock --passwordenv VAULT_PW --raw 2>/dev/null) &&
        [ "$(BW_SESSION=$BW_SESSION "$BW" get username "${I}1" 2>/dev/null)" = app ]
}
(apikey_login; echo $? >"$WORK/apikey.rc") &
APIKEY_JOB=$!
nl -ba -w1 -s' ' "$WORK/jobs" | xargs -P 6 -L 1 bash -c 'bw_job "$@"' _
wait $APIKEY_JOB
[ "$(cat "$WORK/apikey.rc")" = 0 ] && t_pass "bw login --apikey, bw unlock --passwordenv, bw get against the fake server" ||
    t_fail "bw login --apikey / unlock against the fake server"
# bw_out ARGS...: the file stem of that bw run's outputs
bw_out() { echo "$WORK/bw/$(grep -nxF -- "$*" "$WORK/jobs" | cut -d: -f1)"; }

same=0 diff=0
while read -r cmd what id; do
    case "$cmd $what" in "get totp" | list* | sync*) continue ;; esac
    b=$(bw_out "$cmd $what $id")
    "$COVERT" bw vault get "$what" "$id" >"$WORK/c.out" 2>"$WORK/c.err"
    echo $? >"$WORK/c.rc"
    if cmp -s "$WORK/c.out" "$b.out" && cmp -s "$WORK/c.err" "$b.err" && cmp -s "$WORK/c.rc" "$b.rc"; then
        same=$((same + 1))
    else
        diff=$((diff + 1))
        echo "  differs from bw get $what $id: covert rc $(cat "$WORK/c.rc") [$(head -c 200 "$WORK/c.out")] [$(head -c 200 "$WORK/c.err")]; bw rc $(cat "$b.rc") [$(head -c 200 "$b.out")] [$(head -c 200 "$b.err")]" >&2
    fi
done <"$WORK/jobs"
if [ "$diff" -eq 0 ] && [ "$same" -eq 11 ]; then
    t_pass "covert bw vault get = bw get: $same cases (stdout bytes, stderr, status)"
else
    t_fail "covert bw vault get differs from bw get in $diff of $((same + diff)) cases"
fi
# the fixture's password came back through the real CLI
[ "$(cat "$(bw_out get password "${I}1").out")" = 'p@ss w0rd!"'"'"'$' ] &&
    t_pass "bw get password returns the fixture's password" ||
    t_fail "bw get password did not return the fixture's password"

# 2. Every (value, item) pair: covert = bw serve's own /object/<what>/<id>
# (the CLI's same get command behind the HTTP API).
for id in $IDS $MISSING; do
    for what in $WHATS; do
        "$COVERT" bw vault get "$what" "$id" >"$WORK/cv/$what.$id.out" 2>"$WORK/cv/$what.$id.err"
        echo $? >"$WORK/cv/$what.$id.rc"
    done
done
raw_case() {
    python3 - "$SERVE" "$WORK/cv" $WHATS -- $IDS $MISSING <<'EOF'
import json, sys, urllib.request, urllib.error
serve, cv = sys.argv[1], sys.argv[2]
sep = sys.argv.index("--")
whats, ids = sys.argv[3:sep], sys.argv[sep + 1:]
bad = 0
for i in ids:
    for w in whats:
        try:
            body = urllib.request.urlopen("%s/object/%s/%s" % (serve, w, i)).read()
        except urllib.error.HTTPError as e:
            body = e.read()
        r = json.loads(body)
        if r["success"]:
            d = r["data"]
            want = (d["data"] if w != "item" else
                    json.dumps(d, separators=(",", ":"), ensure_ascii=False)).encode(), b"", "0"
        else:
            want = b"", r["message"].encode(), "1"
        base = "%s/%s.%s" % (cv, w, i)
        got = (open(base + ".out", "rb").read(), open(base + ".err", "rb").read(),
               open(base + ".rc").read().strip())
        if got != want:
            bad += 1
            sys.stderr.write("  covert differs from bw serve /object/%s/%s\n" % (w, i))
print("  %d cases compared with bw serve" % (len(ids) * len(whats)), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
t_check "covert bw vault get = bw serve /object/<what>/<id>, every item and value" raw_case

# 3. Custom fields: the first field of that name (ESO's jsonPath filter
# picks the first element), from bw serve's item JSON.
field_case() { # NAME ID
    local want rc
    want=$(curl -s "$SERVE/object/item/$2" | python3 -c '
import json,sys
f=[x for x in json.load(sys.stdin)["data"].get("fields",[]) if x["name"]==sys.argv[1]]
sys.stdout.write((f[0]["value"] or "")+"|0" if f else "|1")' "$1")
    got=$("$COVERT" bw vault get field "$1" "$2" 2>/dev/null; echo "|$?")
    [ "$got" = "$want" ]
}
for c in "admin-password 11111111-aaaa-4bbb-8ccc-000000000001" "port 11111111-aaaa-4bbb-8ccc-000000000001" \
    "enabled 11111111-aaaa-4bbb-8ccc-000000000001" "token 11111111-aaaa-4bbb-8ccc-000000000003" \
    "empty 11111111-aaaa-4bbb-8ccc-000000000003" "unicode 11111111-aaaa-4bbb-8ccc-000000000003" \
    "api-key 11111111-aaaa-4bbb-8ccc-000000000005" "cluster 11111111-aaaa-4bbb-8ccc-000000000002" \
    "no-such-field 11111111-aaaa-4bbb-8ccc-000000000001"; do
    # shellcheck disable=SC2086
    t_check "get field $c = bw serve item's first field" field_case $c
done
[ "$("$COVERT" bw vault get field token 11111111-aaaa-4bbb-8ccc-000000000003)" = first-token ] &&
    t_pass "duplicate field names: the first one wins" || t_fail "duplicate field names"

# 4. TOTP: covert's code = bw serve's = the bw CLI's (across a period
# boundary the CLI is asked once more).
totp_case() { # ID
    local a b c
    a=$("$COVERT" bw vault get totp "$1")
    b=$(curl -s "$SERVE/object/totp/$1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["data"],end="")')
    c=$(cat "$(bw_out get totp "$1").out")
    if [ "$a" != "$c" ]; then
        c=$(BITWARDENCLI_APPDATA_DIR="$WORK/app.1" "$BW" get totp "$1")
        a=$("$COVERT" bw vault get totp "$1")
    fi
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] && return 0
    echo "  totp $1: covert $a, bw serve $b, bw get $c" >&2
    return 1
}
t_check "totp (base32 seed: 6 digits, 30 s) = bw get totp" totp_case "${I}1"
t_check "totp (otpauth URI: 8 digits, 60 s) = bw get totp" totp_case "${I}5"
"$COVERT" bw vault get totp "${I}3" >/dev/null 2>"$WORK/e"
[ $? -eq 1 ] && [ "$(cat "$WORK/e")" = "Not found." ] && t_pass "totp of an item without a seed: Not found." ||
    t_fail "totp without a seed"

# 5. list, search, sync, status.
list_case() { # [--search S]
    local q="" job="list items"
    [ $# -gt 0 ] && q="?search=$2" && job="list items --search $2"
    "$COVERT" bw vault list "$@" >"$WORK/l.cv" || return 1
    curl -s "$SERVE/list/object/items$q" | python3 -c '
import json,sys;sys.stdout.write(json.dumps(json.load(sys.stdin)["data"]["data"],separators=(",",":"),ensure_ascii=False))' >"$WORK/l.raw"
    cmp -s "$WORK/l.cv" "$(bw_out "$job").out" && cmp -s "$WORK/l.cv" "$WORK/l.raw"
}
t_check "list = bw list items = bw serve" list_case
t_check "list --search = bw list items --search" list_case --search org
raw_list_case() { # QUERY COVERT_FLAGS...
    local q=$1
    shift
    "$COVERT" bw vault list "$@" >"$WORK/l.cv" || return 1
    curl -s "$SERVE/list/object/items?$q" | python3 -c '
import json,sys;sys.stdout.write(json.dumps(json.load(sys.stdin)["data"]["data"],separators=(",",":"),ensure_ascii=False))' >"$WORK/l.raw"
    cmp -s "$WORK/l.cv" "$WORK/l.raw" && [ "$(wc -c <"$WORK/l.cv")" -gt 2 ]
}
t_check "list --trash = bw serve (the deleted item)" raw_list_case trash=true --trash
t_check "list --organizationid = bw serve" raw_list_case \
    organizationid=0f9e8d7c-6b5a-4948-3726-150413021100 --organizationid 0f9e8d7c-6b5a-4948-3726-150413021100
none_case() {
    [ "$("$COVERT" bw vault list --search zzz-nothing)" = "[]" ]
}
t_check "list --search without a match: []" none_case
status_case() {
    curl -s "$SERVE/status" | python3 -c '
import json,sys;sys.stdout.write(json.dumps(json.load(sys.stdin)["data"]["template"],separators=(",",":")))' >"$WORK/s.raw"
    "$COVERT" bw vault status >"$WORK/s.cv" && cmp -s "$WORK/s.cv" "$WORK/s.raw" &&
        grep -q '"status":"unlocked"' "$WORK/s.cv"
}
t_check "status = bw serve /status template" status_case
sync_case() {
    local a
    a=$("$COVERT" bw vault sync) || return 1
    [ "$a" = "Syncing complete." ] && [ "$a" = "$(cat "$(bw_out sync).out")" ]
}
t_check "sync = bw sync" sync_case

# 6. ExternalSecret render with the home-ops webhook stores on bw serve.
sed "s#@SERVE@#$SERVE#" "$HERE/bw_serve/stores.yaml" >"$WORK/stores.yaml"
eso_case() {
    "$COVERT" externalsecret render -f "$HERE/bw_serve/externalsecret.yaml" \
        --store "$WORK/stores.yaml" --reveal >"$WORK/es.out" 2>"$WORK/es.err" ||
        { head -3 "$WORK/es.err" >&2; return 1; }
    python3 - "$WORK/es.out" "$(bw_out get username "${I}1").out" "$(bw_out get password "${I}1").out" \
        "$(bw_out get notes "${I}2").out" "$(bw_out get item "${I}1").out" \
        "$(bw_out get item "${I}3").out" "$(bw_out get item "${I}5").out" <<'EOF'
import base64, json, re, sys
# the Secret's data block: "  key: base64" lines after "data:"
text = open(sys.argv[1]).read().split("\ndata:\n", 1)[1]
got = {m.group(1): base64.b64decode(m.group(2))
       for m in re.finditer(r"^  ([^:\s]+): (\S+)$", text, re.M)}
raw = lambda i: open(sys.argv[i], "rb").read()
want = {"username": raw(2), "password": raw(3), "kubeconfig": raw(4)}
def field(i, name):  # first field of that name in the item bw get printed
    return [f["value"] for f in json.loads(raw(i))["fields"] if f["name"] == name][0].encode()
want.update({"admin-password": field(5, "admin-password"), "token": field(6, "token"),
             "unicode": field(6, "unicode"), "org-api-key": field(7, "api-key")})
bad = sorted(k for k in want if got.get(k) != want[k]) + sorted(set(got) - set(want))
if bad:
    sys.stderr.write("  externalsecret values differ from bw get: %s\n" % bad)
sys.exit(1 if bad else 0)
EOF
}
t_check "externalsecret render via bitwarden-login/-fields/-notes on bw serve = bw get" eso_case

# 7. Errors. A locked vault (after POST /lock): bw serve's message, exit 1.
# ("You are not logged in." cannot be produced by a real bw serve: it
# refuses to start logged out, and a logout under it yields "Not found.";
# tests/unit/test_bw_vault.c covers that envelope.)
err_case() { # URL WANT_MESSAGE
    local raw
    raw=$(curl -s "$1/object/item/${I}1" |
        python3 -c 'import json,sys;print(json.load(sys.stdin)["message"],end="")')
    BW_SERVE_URL=$1 "$COVERT" bw vault get password "${I}1" >"$WORK/e.out" 2>"$WORK/e.err"
    local rc=$?
    [ $rc -eq 1 ] && [ ! -s "$WORK/e.out" ] && [ "$(cat "$WORK/e.err")" = "$2" ] && [ "$raw" = "$2" ]
}
curl -s -X POST "$SERVE/lock" >/dev/null
t_check "locked: bw serve's message, exit 1" err_case "$SERVE" "Vault is locked."
"$COVERT" bw vault --serve-url "$SERVE" status >"$WORK/s.cv" && grep -q '"status":"locked"' "$WORK/s.cv" &&
    t_pass "--serve-url; status after lock says locked" || t_fail "status after lock"
BW_SERVE_URL="http://127.0.0.1:$(free_port)" "$COVERT" bw vault get item "$MISSING" >/dev/null 2>&1
[ $? -eq 1 ] && t_pass "no bw serve listening: exit 1" || t_fail "no bw serve listening"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' "$SERVE/status")
[ "$code" = 403 ] && t_pass "bw serve refuses an Origin header (403); covert sends none" ||
    t_fail "bw serve with an Origin header answered $code"

# 8. The fake server answered everything the CLI asked (no unknown route).
curl -sk "$SERVER/_log" | python3 -c '
import json,sys
log=json.load(sys.stdin)
bad=[e for e in log if e["status"]//100!=2]
print("  CLI requests:", sorted({e["method"]+" "+e["path"] for e in log}), file=sys.stderr)
sys.exit(1 if bad or not log else 0)' && t_pass "every request of the bw CLI was served (2xx)" ||
    t_fail "the bw CLI asked for routes the fake server does not serve"
t_done
