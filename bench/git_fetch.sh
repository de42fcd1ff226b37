#!/usr/bin/env bash
# Git source: covert source fetch against git clone / git fetch, in one run,
# on the same corpus-sized repository served by lighttpd + git http-backend
# on 127.0.0.1 (tests/lib/git_servers.sh).
#
#   bench/git_fetch.sh [BUILD_DIR]
#
# The repository: every tree of $COVERT_SHARED/corpus (four home-ops
# snapshots), committed one snapshot per commit on top of each other, so
# the last commit holds all of them (≈1.8k files, ≈10 MiB) with history.
# Cases (interleaved, RUNS each, median wall time, largest peak RSS):
#   first      covert source fetch into an empty cache (reads all files into
#              memory, computes the digest)  vs  git clone --depth 1 (Flux's
#              go-git clone is shallow with a checkout)  and  git clone --bare
#   refetch    covert source fetch again, nothing changed  vs  git fetch in
#              the shallow clone
# Environment: RUNS=7, COVERT_SHARED, BENCH_DIR=/dev/shm/covert-git-bench
set -euo pipefail

O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-7}
COVERT="$ROOT/$O/covert"
SHARED=${COVERT_SHARED:-$ROOT/../shared}
BENCH_DIR=${BENCH_DIR:-/dev/shm/covert-git-bench}
TIME=/usr/bin/time
. "$ROOT/tests/lib/git_servers.sh"

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/repos"
trap 'git_servers_stop; rm -rf "$BENCH_DIR"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com

src="$BENCH_DIR/src"
git init -q -b main "$src"
for d in "$SHARED"/corpus/*/; do
    cp -r "$d" "$src/$(basename "$d")"
    git -C "$src" add -A
    git -C "$src" commit -qm "$(basename "$d")"
done
git clone -q --bare "$src" "$BENCH_DIR/repos/corpus.git"
files=$(git -C "$src" ls-files | wc -l)
bytes=$(du -sb --exclude=.git "$src" | cut -f1)
git_http "$BENCH_DIR/repos" u p t
URL="http://127.0.0.1:$GIT_HTTP_PORT/public/corpus.git"

# run LABEL CMD...: append "seconds kib" for one run to $BENCH_DIR/LABEL.
run() {
    local label=$1
    shift
    $TIME -f "%e %M" -o "$BENCH_DIR/t" "$@" >/dev/null 2>"$BENCH_DIR/err" ||
        { cat "$BENCH_DIR/err" >&2; exit 1; }
    cat "$BENCH_DIR/t" >>"$BENCH_DIR/$label"
}

# Wall times from /usr/bin/time have 10 ms resolution; the refetch case is
# timed with date +%s%N around the command as well.
run_ns() {
    local label=$1 t0 t1
    shift
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >>"$BENCH_DIR/$label.us"
}

for i in $(seq "$RUNS"); do
    rm -rf "$BENCH_DIR/cache" "$BENCH_DIR/shallow" "$BENCH_DIR/bare"
    run covert-first "$COVERT" source fetch "$URL" --branch main --cache-dir "$BENCH_DIR/cache"
    run git-shallow git clone -q --depth 1 --branch main "$URL" "$BENCH_DIR/shallow"
    run git-bare git clone -q --bare "$URL" "$BENCH_DIR/bare"
    run covert-refetch "$COVERT" source fetch "$URL" --branch main --cache-dir "$BENCH_DIR/cache"
    run git-fetch git -C "$BENCH_DIR/shallow" fetch -q origin main
    run_ns covert-refetch "$COVERT" source fetch "$URL" --branch main --cache-dir "$BENCH_DIR/cache"
    run_ns covert-last "$COVERT" source fetch "$URL" --branch main --cache-dir "$BENCH_DIR/cache" \
        --last-revision "main@sha1:$(git -C "$src" rev-parse main)"
    run_ns git-fetch git -C "$BENCH_DIR/shallow" fetch -q origin main
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
med_s() { cut -d' ' -f1 "$BENCH_DIR/$1" | median; }
max_rss() { cut -d' ' -f2 "$BENCH_DIR/$1" | sort -n | tail -1 | awk '{printf "%.1f MiB", $1/1024}'; }
med_ms() { median <"$BENCH_DIR/$1.us" | awk '{printf "%.1f ms", $1/1000}'; }

echo "repository: $files files, $((bytes / 1024)) KiB in the last commit, $(git -C "$src" rev-list --count main) commits; $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-32s %10s %12s\n' case "median s" "peak RSS"
for l in covert-first git-shallow git-bare covert-refetch git-fetch; do
    printf '%-32s %10s %12s\n' "$l" "$(med_s $l)" "$(max_rss $l)"
done
echo "refetch, wall clock (date +%s%N):"
for l in covert-refetch covert-last git-fetch; do
    printf '  %-30s %10s\n' "$l" "$(med_ms $l)"
done
