#!/usr/bin/env bash
# Flux parity on the shared corpus: for every repository, a scratch copy
# with its SOPS files re-encrypted to a test key (tests/lib/flux_corpus_prep.sh,
# real sops), rendered by the Flux reference program (tests/peers/fluxbuild:
# fluxcd/pkg's generator, build and substitution, sops as kustomize-controller
# decrypts) and by `covert build --reveal` from the entry file CORPUS.txt
# names. Per Kustomization: the same bytes, or both failed (the messages may
# differ). One result per repository; a mismatch lists the Kustomizations.
#   FLUX_CORPUS=onedr0p-2026-08 tests/parity/flux_corpus.sh   (one repository)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
: "${PEERS:=$HOME/.cache/covert/peers}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CORPUS=${COVERT_SHARED:-$ROOT/../shared}/corpus
FLUXBUILD=$(ls -d "$PEERS"/fluxbuild-*/fluxbuild 2>/dev/null | tail -1)
COVERT=${COVERT_BIN:-$ROOT/build/covert}
if [ ! -d "$CORPUS" ] || [ -z "$FLUXBUILD" ] || [ ! -x "$PEERS/sops-3.13.2/sops" ]; then
    t_skip "flux corpus" "corpus, fluxbuild or sops peer missing (tests/peers/build.sh)"
    t_done
    exit 0
fi

# split OUT DIR: one file per Kustomization (named by its id, / -> _).
split() {
    python3 - "$1" "$2" <<'PY'
import os, sys
out, d = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
cur, buf, order = None, [], []
def flush():
    if cur is not None:
        open(os.path.join(d, cur.replace('/', '_')), 'w').write(''.join(buf))
for line in open(out, encoding='utf-8', errors='surrogateescape'):
    if line.startswith('# Kustomization '):
        flush()
        cur, buf = line[len('# Kustomization '):].strip(), []
        order.append(cur)
    buf.append(line)
flush()
open(os.path.join(d, '.order'), 'w').write('\n'.join(order) + '\n')
PY
}

# compare GO_DIR CV_DIR: prints mismatching Kustomizations, returns their count.
compare() {
    local bad=0 ks f g c
    if ! cmp -s "$1/.order" "$2/.order"; then
        echo "  walk order differs:"; diff "$1/.order" "$2/.order" | head -10 | sed 's/^/    /'
        bad=$((bad + 1))
    fi
    while read -r ks; do
        f=${ks//\//_}
        g="$1/$f" c="$2/$f"
        [ -f "$c" ] || { echo "  $ks: not reached by covert"; bad=$((bad + 1)); continue; }
        if grep -q '^# error: ' "$g" && grep -q '^# error: ' "$c"; then continue; fi
        if ! cmp -s "$g" "$c"; then
            echo "  $ks:"; diff "$g" "$c" | head -8 | sed 's/^/    /'
            bad=$((bad + 1))
        fi
    done <"$1/.order"
    return $((bad > 250 ? 250 : bad))
}

for repo in "$CORPUS"/*/; do
    name=$(basename "$repo")
    [ -n "${FLUX_CORPUS:-}" ] && [ "$name" != "$FLUX_CORPUS" ] && continue
    entry=$(sed -n 's/^entry: //p' "$repo/CORPUS.txt" | head -1)
    [ -n "$entry" ] || continue
    work="$TMP/$name"
    if ! "$ROOT/tests/lib/flux_corpus_prep.sh" "${repo%/}" "$work" "$TMP/key.txt" >/dev/null; then
        t_fail "flux corpus $name" "preparation failed"
        continue
    fi
    SOPS_AGE_KEY_FILE="$TMP/key.txt" "$FLUXBUILD" "$work" "$entry" >"$TMP/$name.go" 2>"$TMP/$name.go.err"
    SOPS_AGE_KEY_FILE=/dev/null "$COVERT" build "$work" --entry "$entry" --reveal \
        --identity "$TMP/key.txt" >"$TMP/$name.cv" 2>"$TMP/$name.cv.err"
    split "$TMP/$name.go" "$TMP/$name.g"
    split "$TMP/$name.cv" "$TMP/$name.c"
    n=$(wc -l <"$TMP/$name.g/.order")
    failed=$(grep -c '^# error: ' "$TMP/$name.go")
    if report=$(compare "$TMP/$name.g" "$TMP/$name.c"); then
        t_pass "flux corpus $name: $n Kustomizations identical ($failed failed in both)"
    else
        t_fail "flux corpus $name" "$(printf '%s\n' "$report" | head -60)"
    fi
done
t_done
