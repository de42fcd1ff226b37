#!/usr/bin/env bash
# covert source fetch against real Git servers on 127.0.0.1 (git daemon,
# lighttpd + git http-backend with basic auth and a bearer-token gate,
# OpenSSH sshd), checked against real git (rev-parse, checkouts) and
# against Flux's own Git source code (tests/peers/fluxsrc: fluxcd/pkg
# gogit clone + sourceignore + artifact archive, Masterminds/semver).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/git_servers.sh"
COVERT=${COVERT_BIN:-$ROOT/build/covert}
FLUXSRC="$PEERS/fluxsrc/fluxsrc"
: "${COVERT_SHARED:=$ROOT/../shared}"

for tool in git /usr/sbin/lighttpd sshd python3; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "$tool" ] && [ ! -x "/usr/sbin/$tool" ]; then
        t_skip "git source suite" "$tool not installed (tests/deps.sh)"
        t_done
        exit 0
    fi
done
if [ ! -x "$FLUXSRC" ]; then
    t_skip "git source suite" "fluxsrc peer missing (tests/peers/build.sh)"
    t_done
    exit 0
fi

git_scratch

# commit_at DATE MSG: commit everything with a fixed date.
commit_at() {
    git -C "$W/src" add -A
    GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git -C "$W/src" commit -qm "$2"
}

# The source repository: two branches, lightweight/annotated/prerelease
# tags, an unmerged pull-request ref, symlinks, executables, default
# exclusions, a nested .sourceignore.
make_repo() {
    git init -q -b master "$W/src"
    mkdir -p "$W/src/kubernetes/apps/a" "$W/src/kubernetes/flux" "$W/src/.github/workflows" "$W/src/docs"
    echo "kind: Kustomization" >"$W/src/kubernetes/apps/a/kustomization.yaml"
    echo "a: 1" >"$W/src/kubernetes/apps/a/cm.yaml"
    echo "on: push" >"$W/src/.github/workflows/ci.yaml"
    echo "png" >"$W/src/docs/logo.png"
    echo "# docs" >"$W/src/docs/README.md"
    echo "creation_rules: []" >"$W/src/.sops.yaml"
    printf '#!/bin/sh\n' >"$W/src/run.sh"
    chmod +x "$W/src/run.sh"
    ln -s kubernetes/apps "$W/src/apps-link"
    ln -s /etc/passwd "$W/src/kubernetes/passwd-link"
    printf '# comment\n*.md\n' >"$W/src/docs/.sourceignore"
    commit_at "2024-01-01T00:00:00Z" one
    git -C "$W/src" tag v1.0.0
    echo "a: 2" >"$W/src/kubernetes/apps/a/cm.yaml"
    commit_at "2024-01-02T00:00:00Z" two
    git -C "$W/src" tag -a v1.1.0 -m "annotated"
    git -C "$W/src" tag 1.1.1
    echo "a: 3" >"$W/src/kubernetes/apps/a/cm.yaml"
    commit_at "2024-01-03T00:00:00Z" three
    git -C "$W/src" tag v1.2.0-rc.1
    git -C "$W/src" tag v2.0.0
    git -C "$W/src" tag not-a-version
    git -C "$W/src" branch main
    git -C "$W/src" checkout -q -b dev
    echo "dev" >"$W/src/kubernetes/flux/dev.yaml"
    commit_at "2024-01-04T00:00:00Z" dev
    git -C "$W/src" checkout -q master
    mkdir -p "$W/repos"
    git clone -q --bare "$W/src" "$W/repos/test.git"
    # An unmerged pull request head, only reachable from refs/pull/1/head.
    git -C "$W/src" checkout -q -b pr
    echo "pr" >"$W/src/pr.yaml"
    commit_at "2024-01-05T00:00:00Z" pr
    git -C "$W/src" push -q "$W/repos/test.git" pr:refs/pull/1/head
    git -C "$W/src" checkout -q master
}

# fields FILE KEY: the value of "KEY: value" lines.
field() { sed -n "s/^$2: //p" "$1"; }

# covert_fetch NAME URL ARGS...: run covert, output in $W/NAME.out/.err/.rc
covert_fetch() {
    local name=$1 url=$2
    shift 2
    "$COVERT" source fetch "$url" --cache-dir "$CACHE" "$@" >"$W/$name.out" 2>"$W/$name.err"
    echo $? >"$W/$name.rc"
}

# flux_fetch NAME URL ARGS...: the same through Flux's code.
flux_fetch() {
    local name=$1 url=$2
    shift 2
    "$FLUXSRC" fetch "$@" "$url" >"$W/$name.flux" 2>"$W/$name.fluxerr"
    echo $? >"$W/$name.fluxrc"
}

# same_as_flux NAME: covert's revision, digest (Flux's status.artifact.digest:
# the sha256 of the .tar.gz Storage.Archive writes) and file count equal
# Flux's; or both failed.
same_as_flux() {
    local n=$1
    if [ "$(cat "$W/$n.rc")" != 0 ] || [ "$(cat "$W/$n.fluxrc")" != 0 ]; then
        if [ "$(cat "$W/$n.rc")" != 0 ] && [ "$(cat "$W/$n.fluxrc")" != 0 ]; then
            t_pass "$n: both fail ($(head -c 120 "$W/$n.err"))"
        else
            t_fail "$n: covert rc=$(cat "$W/$n.rc") ($(head -c 200 "$W/$n.err")), flux rc=$(cat "$W/$n.fluxrc") ($(head -c 200 "$W/$n.fluxerr"))"
        fi
        return
    fi
    local a b
    a="$(field "$W/$n.out" revision) $(field "$W/$n.out" digest) $(field "$W/$n.out" files)"
    b="$(field "$W/$n.flux" revision) $(field "$W/$n.flux" digest) $(field "$W/$n.flux" files)"
    if [ "$a" = "$b" ]; then t_pass "$n: $(field "$W/$n.out" revision)"; else t_fail "$n: covert [$a] flux [$b]"; fi
}

# compare NAME URL ARGS...: covert and Flux on the same ref flags (Flux
# spells -semver/-name for --tag-semver/--ref-name).
compare() {
    local name=$1 url=$2
    shift 2
    covert_fetch "$name" "$url" "$@"
    local flux_args=() a
    for a in "$@"; do
        case "$a" in
        --tag-semver) flux_args+=(-semver) ;; --ref-name) flux_args+=(-name) ;;
        --secret-file) flux_args+=(-secret) ;; --ignore) flux_args+=(-ignore) ;;
        --*) flux_args+=("-${a#--}") ;; *) flux_args+=("$a") ;;
        esac
    done
    flux_fetch "$name" "$url" "${flux_args[@]}"
    same_as_flux "$name"
}

# expect_error NAME MESSAGE: covert failed with exit 1 and this error.
expect_error() {
    if [ "$(cat "$W/$1.rc")" = 1 ] && grep -q "^covert source: error: $2" "$W/$1.err"; then
        t_pass "$1: $2"
    else
        t_fail "$1: want '$2', got rc=$(cat "$W/$1.rc") $(head -c 300 "$W/$1.err")"
    fi
}

# expect_rev NAME REV: covert printed this revision.
expect_rev() {
    local got
    got=$(field "$W/$1.out" revision)
    if [ "$got" = "$2" ]; then t_pass "$1: $2"; else t_fail "$1: want $2, got '$got' $(head -c 200 "$W/$1.err")"; fi
}

# checkout_digest REV [IGNORE]: Flux's artifact digest of a real git checkout.
checkout_digest() {
    rm -rf "$W/co"
    git clone -q "$W/repos/test.git" "$W/co" && git -C "$W/co" checkout -q "$1"
    if [ $# -gt 1 ]; then "$FLUXSRC" archive -ignore "$2" "$W/co"; else "$FLUXSRC" archive "$W/co"; fi |
        sed -n 's/^digest: sha256://p'
}

make_repo
rev() { git -C "$W/repos/test.git" rev-parse "$1^{commit}"; }

git_daemon "$W/repos"
git_http "$W/repos" alice 's3cret!' tok-123
git_sshd "$W/ssh"
GITURL="git://127.0.0.1:$GIT_DAEMON_PORT/test.git"
PUB="http://127.0.0.1:$GIT_HTTP_PORT/public/test.git"
BASIC="http://127.0.0.1:$GIT_HTTP_PORT/basic/test.git"
BEARER="http://127.0.0.1:$GIT_HTTP_PORT/bearer/test.git"
SSH="ssh://root@127.0.0.1:$GIT_SSH_PORT$W/repos/test.git"

printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: git}\ndata:\n  username: %s\n  password: %s\n' \
    "$(printf alice | base64)" "$(printf 's3cret!' | base64)" >"$W/basic.yaml"
printf 'stringData:\n  username: alice\n  password: wrong\n' >"$W/wrongpw.yaml"
printf 'stringData:\n  bearerToken: tok-123\n' >"$W/bearer.yaml"
printf 'stringData:\n  bearerToken: nope\n' >"$W/wrongtoken.yaml"
ssh_secret() {
    echo "stringData:"
    echo "  identity: |"
    sed 's/^/    /' "$GIT_SSH_KEY"
    echo "  known_hosts: |"
    sed 's/^/    /' "$1"
}
ssh_secret "$GIT_SSH_KNOWN_HOSTS" >"$W/ssh.yaml"
ssh_secret "$W/ssh/wrong_known_hosts" >"$W/sshwrong.yaml"
printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$W/ssh/host_key.pub")" >"$W/ssh/port22_known_hosts"
ssh_secret "$W/ssh/port22_known_hosts" >"$W/sshunknown.yaml"

# --- every transport, against a real checkout and Flux's code ---
main_digest=$(checkout_digest master)
for t in "file file://$W/repos/test.git" "git $GITURL" "http $PUB" \
    "basic $BASIC --secret-file $W/basic.yaml" "bearer $BEARER --secret-file $W/bearer.yaml" \
    "ssh $SSH --secret-file $W/ssh.yaml"; do
    set -- $t
    name=$1 url=$2
    shift 2
    covert_fetch "transport-$name" "$url" "$@"
    got="$(field "$W/transport-$name.out" revision) $(field "$W/transport-$name.out" digest)"
    want="master@sha1:$(rev master) sha256:$main_digest"
    if [ "$got" = "$want" ]; then t_pass "transport $name"; else t_fail "transport $name: [$got] want [$want] $(cat "$W/transport-$name.err")"; fi
done
compare flux-basic "$BASIC" --branch main --secret-file "$W/basic.yaml"
compare flux-bearer "$BEARER" --branch dev --secret-file "$W/bearer.yaml"
compare flux-ssh "$SSH" --tag v1.1.0 --secret-file "$W/ssh.yaml"

# --- every ref kind, precedence, semver ranges: same as Flux ---
compare ref-default "$PUB"
compare ref-branch "$PUB" --branch dev
compare ref-tag-light "$PUB" --tag v1.0.0
compare ref-tag-annotated "$PUB" --tag v1.1.0
compare ref-name-branch "$PUB" --ref-name refs/heads/dev
compare ref-name-tag "$PUB" --ref-name refs/tags/v1.1.0
compare ref-name-peeled "$PUB" --ref-name 'refs/tags/v1.1.0^{}'
compare ref-name-pull "$PUB" --ref-name refs/pull/1/head
compare ref-commit "$PUB" --commit "$(rev v1.0.0)"
compare ref-commit-branch "$PUB" --commit "$(rev v1.0.0)" --branch dev
compare ref-commit-wrong-branch "$PUB" --commit "$(rev dev)" --branch main
compare ref-commit-unknown "$PUB" --commit 0123456789012345678901234567890123456789
compare ref-missing-branch "$PUB" --branch nope
compare ref-missing-tag "$PUB" --tag nope
compare prec-tag-over-branch "$PUB" --branch dev --tag v1.0.0
compare prec-tag-over-semver "$PUB" --tag v1.0.0 --tag-semver '>=1.0.0'
compare prec-name-over-tag "$PUB" --tag v1.0.0 --ref-name refs/heads/dev
compare prec-commit-over-name "$PUB" --commit "$(rev v1.1.0)" --ref-name refs/heads/dev
for r in '>=1.0.0' '<2.0.0' '~1.1' '^1.0.0' '1.0.0 - 1.1.5' '>=1.2.0-rc.0' '1.x' '*' \
    '>1.0.0 <1.2.0' '!=2.0.0' '>=3.0.0' '>= 1.0, < 1.1.1 || 2.x' 'bogus range'; do
    compare "semver $r" "$PUB" --tag-semver "$r"
done

# --- ignore rules ---
compare ignore-flux-style "$PUB" --ignore $'/*\n!/kubernetes'
compare ignore-negation "$PUB" --ignore $'*.yaml\n!cm.yaml\n# c\n\n/docs/'
compare ignore-dironly "$PUB" --ignore $'apps/\nrun.sh'
compare ignore-empty "$PUB" --ignore ''
compare ignore-path "$PUB" --branch main --ignore $'kubernetes/**/cm.yaml'
covert_fetch ignore-list "$PUB" --list
if grep -q 'apps-link\|passwd-link' "$W/ignore-list.out"; then t_fail "symlinks are never read"; else t_pass "symlinks are never read"; fi
if grep -q ' docs/README.md$' "$W/ignore-list.out"; then t_fail ".sourceignore in docs/"; else t_pass ".sourceignore in docs/ applies"; fi
if grep -q ' run.sh$' "$W/ignore-list.out" && grep -q '^100755 .* run.sh$' "$W/ignore-list.out"; then
    t_pass "executable mode kept"
else
    t_fail "executable mode kept"
fi

# --- listing matches git ls-tree (no ignore rules hit these paths) ---
covert_fetch list-path "$PUB" --list --path kubernetes/apps
git -C "$W/repos/test.git" ls-tree -r -l master kubernetes/apps |
    awk '$1 != "120000" {print $1, $4, $5}' >"$W/lstree.txt"
grep -v '^revision\|^digest\|^files' "$W/list-path.out" | sort >"$W/list-path.txt"
if diff -q <(sort "$W/lstree.txt") "$W/list-path.txt" >/dev/null; then
    t_pass "list under --path = git ls-tree"
else
    t_fail "list under --path differs from git ls-tree: $(diff <(sort "$W/lstree.txt") "$W/list-path.txt" | head -5)"
fi

# --- optimized clone: an unchanged revision reads nothing ---
last=$(field "$W/ref-branch.out" revision)
covert_fetch unchanged "$PUB" --branch dev --last-revision "$last"
if grep -q '^unchanged: true' "$W/unchanged.out"; then t_pass "last revision unchanged"; else t_fail "last revision unchanged: $(cat "$W/unchanged.out" "$W/unchanged.err")"; fi

# --- the artifact index: a refetch of a known commit reads no file ---
# A fresh cache: the first fetch reads the tree and writes the index, the
# second recalls it; both print the same (and the same as Flux); a damaged
# index is ignored and rewritten; other ignore rules get their own index.
idx_fetch() { # idx_fetch NAME ARGS...
    local name=$1
    shift
    "$COVERT" source fetch "$PUB" --cache-dir "$W/idxcache" "$@" >"$W/$name.out" 2>"$W/$name.err"
}
idx_files() { find "$W/idxcache" -path '*/covert-artifacts/*' -type f | sort; }
idx_fetch idx-first --branch main --list
first_idx=$(idx_files)
idx_fetch idx-again --branch main --list
if [ "$(echo "$first_idx" | grep -c .)" = 1 ] && cmp -s "$W/idx-first.out" "$W/idx-again.out"; then
    t_pass "artifact index written once; the refetch prints the same digest and listing"
else
    t_fail "artifact index: [$first_idx] $(diff "$W/idx-first.out" "$W/idx-again.out" | head -5)"
fi
flux_fetch idx-again "$PUB" -branch main
grep -v '^[0-9]' "$W/idx-again.out" >"$W/idx-again.sum"
mv "$W/idx-again.sum" "$W/idx-again.out"
echo 0 >"$W/idx-again.rc"
same_as_flux idx-again
cp "$first_idx" "$W/idx.good"
head -c 200 "$W/idx.good" >"$first_idx"
idx_fetch idx-damaged --branch main --list
if cmp -s "$W/idx-first.out" "$W/idx-damaged.out" && cmp -s "$W/idx.good" "$first_idx"; then
    t_pass "a damaged artifact index is ignored and rewritten"
else
    t_fail "damaged artifact index: $(diff "$W/idx-first.out" "$W/idx-damaged.out" | head -5)"
fi
idx_fetch idx-ignore --branch main --ignore $'*.yaml\n!cm.yaml'
idx_fetch idx-ignore-again --branch main --ignore $'*.yaml\n!cm.yaml'
if [ "$(idx_files | grep -c .)" = 2 ] && cmp -s "$W/idx-ignore.out" "$W/idx-ignore-again.out" &&
    [ "$(field "$W/idx-ignore.out" digest)" != "$(field "$W/idx-first.out" digest)" ]; then
    t_pass "other ignore rules: their own artifact index and digest"
else
    t_fail "artifact index per ignore rules: $(idx_files | tr '\n' ' ')"
fi

# --- a force-pushed branch and a deleted tag ---
git -C "$W/src" checkout -q -b rewrite v1.0.0
echo "rewritten" >"$W/src/kubernetes/apps/a/cm.yaml"
commit_at "2024-02-01T00:00:00Z" rewritten
git -C "$W/src" push -q -f "$W/repos/test.git" rewrite:main
covert_fetch force-push "$PUB" --branch main
expect_rev force-push "main@sha1:$(rev main)"
compare force-push-flux "$PUB" --branch main
git -C "$W/repos/test.git" tag -d v2.0.0 >/dev/null
compare deleted-tag-semver "$PUB" --tag-semver '>=1.0.0'
expect_rev deleted-tag-semver "1.1.1@sha1:$(rev 1.1.1)"
covert_fetch deleted-tag "$PUB" --tag v2.0.0
expect_error deleted-tag "unable to resolve the Git reference"

# --- failures, with their exact errors ---
covert_fetch wrong-password "$BASIC" --secret-file "$W/wrongpw.yaml"
expect_error wrong-password "authentication failed"
covert_fetch no-credentials "$BASIC"
expect_error no-credentials "authentication failed"
covert_fetch wrong-token "$BEARER" --secret-file "$W/wrongtoken.yaml"
expect_error wrong-token "authentication failed"
covert_fetch wrong-hostkey "$SSH" --secret-file "$W/sshwrong.yaml"
expect_error wrong-hostkey "host key verification failed"
covert_fetch unknown-host "$SSH" --secret-file "$W/sshunknown.yaml"
expect_error unknown-host "host key verification failed"
covert_fetch unreachable "http://127.0.0.1:$(free_port)/public/test.git"
expect_error unreachable "unable to connect to the Git server"
covert_fetch no-repo "$PUB/../nope.git"
expect_error no-repo "repository not found"
covert_fetch scp-like "git@127.0.0.1:test.git"
expect_error scp-like "unsupported or invalid Git URL"
covert_fetch bad-semver "$PUB" --tag-semver 'not a range'
expect_error bad-semver "invalid semver constraint"
covert_fetch no-semver-match "$PUB" --tag-semver '>=9'
expect_error no-semver-match "no match found for semver"

# --- a repository of the corpus's size ---
corpus="$COVERT_SHARED/corpus/onedr0p-2026-08"
if [ -d "$corpus" ]; then
    git init -q -b main "$W/big"
    cp -r "$corpus/." "$W/big/"
    git -C "$W/big" add -A && git -C "$W/big" commit -qm corpus
    git clone -q --bare "$W/big" "$W/repos/big.git"
    compare corpus "http://127.0.0.1:$GIT_HTTP_PORT/public/big.git" --branch main
    compare corpus-ignore "http://127.0.0.1:$GIT_HTTP_PORT/public/big.git" --branch main --ignore $'/*\n!/kubernetes'
else
    t_skip "corpus-size repository" "no corpus at $corpus"
fi

t_done
