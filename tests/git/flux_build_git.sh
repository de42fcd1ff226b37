#!/usr/bin/env bash
# `covert build --git URL`: the repository fetched from real Git servers on
# 127.0.0.1 (git daemon, lighttpd + git http-backend) and rendered from
# memory prints exactly what `covert build` prints on a `git clone` checkout
# of the same commit (same bytes, same exit status), for branch, tag,
# semver and commit references, entry files, --path, default entries and a
# corpus repository with SOPS files (when the shared corpus is there).
# Nothing is checked out: the cache holds a bare repository only.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/git_servers.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
: "${COVERT_SHARED:=$ROOT/../shared}"
: "${PEERS:=$HOME/.cache/covert/peers}"

for tool in git /usr/sbin/lighttpd python3; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "$tool" ]; then
        t_skip "flux build --git" "$tool not installed (tests/deps.sh)"
        t_done
        exit 0
    fi
done

git_scratch

# publish NAME SRC: a repository NAME.git from the files of SRC, two
# commits on main (v1.0.0 tags the first; the second adds a ConfigMap to
# every directory with a .yaml file, so the two render differently).
publish() {
    local name=$1 src=$2 d n=0
    mkdir -p "$W/work"
    cp -a "$src" "$W/work/$name"
    chmod -R u+w "$W/work/$name"
    git -C "$W/work/$name" init -q -b main
    git -C "$W/work/$name" add -A
    GIT_COMMITTER_DATE=2024-01-01T00:00:00Z git -C "$W/work/$name" commit -qm one --date 2024-01-01T00:00:00Z
    git -C "$W/work/$name" tag v1.0.0
    while IFS= read -r d; do
        n=$((n + 1))
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second-commit-%s\n' "$n" \
            >"$d/zz-second-commit.yaml"
    done < <(find "$W/work/$name" -name .git -prune -o -name '*.yaml' -printf '%h\n' | sort -u)
    git -C "$W/work/$name" add -A
    GIT_COMMITTER_DATE=2024-01-02T00:00:00Z git -C "$W/work/$name" commit -qm two --date 2024-01-02T00:00:00Z
    mkdir -p "$W/repos"
    git clone -q --bare "$W/work/$name" "$W/repos/$name.git"
}

# checkout NAME REV: a working tree of NAME at REV; prints its path.
checkout() {
    local dir="$W/co/$1-$2"
    [ -d "$dir" ] || { git clone -q "$W/repos/$1.git" "$dir" && git -C "$dir" checkout -q "$2"; }
    echo "$dir"
}

# same LABEL NAME REV 'GIT FLAGS' 'BUILD FLAGS': --git with GIT FLAGS vs a
# checkout at REV, both with BUILD FLAGS.
same() {
    local label=$1 name=$2 rev=$3 gitflags=$4 flags=$5 co rc_git rc_co
    co=$(checkout "$name" "$rev")
    # shellcheck disable=SC2086
    "$COVERT" build --git "$URL/$name.git" $gitflags --cache-dir "$CACHE" $flags \
        >"$W/git.out" 2>"$W/git.err"
    rc_git=$?
    # shellcheck disable=SC2086
    "$COVERT" build "$co" $flags >"$W/co.out" 2>"$W/co.err"
    rc_co=$?
    if [ "$rc_git" != "$rc_co" ] || ! cmp -s "$W/git.out" "$W/co.out"; then
        t_fail "$label" "exit $rc_git vs $rc_co: $(head -3 "$W/git.err") $(diff "$W/git.out" "$W/co.out" | head -10)"
    elif ! grep -q '^---$' "$W/co.out"; then
        t_fail "$label" "nothing rendered: $(head -5 "$W/co.out")"
    else
        t_pass "$label ($(grep -c '^# Kustomization' "$W/co.out") Kustomizations, exit $rc_co)"
    fi
    cp "$W/co.out" "$W/last-$rev.out"
}

publish a "$ROOT/tests/flux/sources/a"
publish b "$ROOT/tests/flux/sources/b"
git_daemon "$W/repos"
URL="git://127.0.0.1:$GIT_DAEMON_PORT"
same "git:// branch, entry file" a main "--branch main" "--entry flux/entry.yaml --reveal"
same "git:// tag" a v1.0.0 "--tag v1.0.0" "--entry flux/entry.yaml --reveal"
if cmp -s "$W/last-main.out" "$W/last-v1.0.0.out"; then
    t_fail "git:// refs" "the two commits render the same: the test cannot tell them apart"
else
    t_pass "git:// refs: the tag and the branch head render differently"
fi
first=$(git -C "$W/repos/a.git" rev-parse v1.0.0)
same "git:// commit" a "$first" "--commit $first" "--entry flux/entry.yaml --reveal"
same "git:// --path (generated kustomization)" a main "--branch main" "--path tree"
same "git:// default entries" a main "--branch main" "--reveal"

git_http "$W/repos" user pass token
URL="http://127.0.0.1:$GIT_HTTP_PORT/public"
same "http semver" b v1.0.0 "--tag-semver <2.0.0" "--entry clusters/entry.yaml"
same "http --semver, --path" b v1.0.0 "--semver 1.x" "--path clusters/main --ks flux-system/flux-system"

# The cache is a bare repository: no rendered file was written anywhere in it.
if find "$CACHE" -name 'entry.yaml' -o -name 'zz-second-commit.yaml' | grep -q .; then
    t_fail "no checkout" "files of the repository under $CACHE"
elif [ -z "$(find "$CACHE" -name HEAD -print -quit)" ]; then
    t_fail "no checkout" "no bare repository under $CACHE"
else
    t_pass "no checkout: the cache holds git objects only"
fi

# Errors: a missing branch fails with the source's message; REPO and --git
# together, or neither, is a usage error.
"$COVERT" build --git "$URL/a.git" --branch nope --cache-dir "$CACHE" >"$W/out" 2>"$W/err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'nope' "$W/err" && [ ! -s "$W/out" ]; then
    t_pass "missing branch: exit 1, $(head -1 "$W/err")"
else
    t_fail "missing branch" "exit $rc: $(head -2 "$W/err")"
fi
"$COVERT" build "$W" --git "$URL/a.git" >/dev/null 2>&1
rc1=$?
"$COVERT" build --entry x.yaml >/dev/null 2>&1
rc2=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ]; then t_pass "REPO with --git, or neither: usage (exit 2)"
else t_fail "usage" "exit $rc1 and $rc2"; fi

# A corpus repository with SOPS files, re-encrypted to a test key.
CORPUS="$COVERT_SHARED/corpus/onedr0p-2024-10"
if [ -d "$CORPUS" ] && [ -x "$PEERS/sops-3.13.2/sops" ] &&
    "$ROOT/tests/lib/flux_corpus_prep.sh" "$CORPUS" "$W/corpus" "$W/key.txt" >/dev/null 2>&1; then
    rm -f "$W/corpus/CORPUS.txt"
    publish corpus "$W/corpus"
    URL="git://127.0.0.1:$GIT_DAEMON_PORT"
    same "corpus onedr0p-2024-10 over git://" corpus v1.0.0 "--tag v1.0.0" \
        "--entry kubernetes/main/flux/config/cluster.yaml --reveal --identity $W/key.txt"
else
    t_skip "corpus over git://" "shared corpus or sops peer missing"
fi
t_done
