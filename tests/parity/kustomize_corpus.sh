#!/usr/bin/env bash
# `covert kustomize` against the real kustomize on every kustomization
# directory of the shared corpus (4 home-ops repositories): the expected
# output is made at test time by BOTH peers, `kubectl kustomize` (kustomize
# v5.5) and kustomize v5.8.1 ($PEERS, tests/peers/build.sh), each with
# LoadRestrictionsNone as Flux builds. Where the peers agree, covert must
# print the same bytes, or fail where they fail (the message is not
# compared). Where the peers disagree with each other, covert must match
# one of them. Counts per repository go to stderr.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
CORPUS=${COVERT_SHARED:-$ROOT/../shared}/corpus
COVERT=${COVERT:-$ROOT/build/covert}
KZ="$PEERS/kustomize-5.8.1/kustomize"
if [ ! -d "$CORPUS" ]; then
    t_skip "kustomize corpus" "no corpus at $CORPUS"
    t_done
    exit 0
fi
missing=""
command -v kubectl >/dev/null 2>&1 || missing="kubectl"
[ -x "$KZ" ] || missing="$missing kustomize-5.8.1"
if [ -n "$missing" ]; then
    t_skip "kustomize corpus" "peer missing:$missing"
    t_done
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME CMD...: stdout to $TMP/NAME.out, status to $TMP/NAME.st.
run() {
    local n=$1
    shift
    if "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"; then echo 0 >"$TMP/$n.st"; else echo 1 >"$TMP/$n.st"; fi
}

# same A B: same status, and same bytes when both succeeded.
same() {
    [ "$(cat "$TMP/$1.st")" = "$(cat "$TMP/$2.st")" ] || return 1
    [ "$(cat "$TMP/$1.st")" = 1 ] || cmp -s "$TMP/$1.out" "$TMP/$2.out"
}

for repo in "$CORPUS"/*/; do
    r=$(basename "$repo")
    ok=0 bad=0 fail_both=0 peers_differ=0
    while IFS= read -r d; do
        rel=${d#"$repo"}
        run k kubectl kustomize --load-restrictor=LoadRestrictionsNone "$d"
        run z "$KZ" build --load-restrictor LoadRestrictionsNone "$d"
        run c "$COVERT" kustomize --load-restrictor LoadRestrictionsNone "$d"
        if same k z; then
            [ "$(cat "$TMP/k.st")" = 1 ] && fail_both=$((fail_both + 1))
            if same c k; then
                ok=$((ok + 1))
                t_pass "$r/$rel"
            else
                bad=$((bad + 1))
                t_fail "$r/$rel: covert differs from both peers ($(head -c 200 "$TMP/c.err" | tr '\n' ' '))"
            fi
        else
            peers_differ=$((peers_differ + 1))
            if same c k || same c z; then
                ok=$((ok + 1))
                t_pass "$r/$rel (peers differ; covert matches one)"
            else
                bad=$((bad + 1))
                t_fail "$r/$rel: peers differ and covert matches neither"
            fi
        fi
    done < <(find "$repo" \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) \
        -printf '%h\n' | sort -u)
    echo "[kustomize_corpus] $r: $ok same, $bad different ($fail_both fail in both peers, $peers_differ where the peers differ)" >&2
done
t_done
