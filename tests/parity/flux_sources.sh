#!/usr/bin/env bash
# Source artifacts in the Flux walk, against the Flux reference program
# (tests/peers/fluxbuild, which filters with fluxcd/pkg/sourceignore as
# source-controller's archiver does): the fixtures under tests/flux/sources
# render to the same bytes with `covert build --reveal`, and the same
# Kustomizations fail.
#   a: spec.ignore with a directory re-included below an excluded one, a
#      nested .sourceignore (so no default exclusions), an unknown source
#      (whole repository), spec.include (not modelled: fails in both)
#   b: Flux's default exclusions (.sops.yaml, .flux.yaml, .github/), a
#      GitRepository known only once its parent rendered it, an
#      OCIRepository, a Bucket and an unknown source (whole repository)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
: "${PEERS:=$HOME/.cache/covert/peers}"
FLUXBUILD=$(ls -d "$PEERS"/fluxbuild-*/fluxbuild 2>/dev/null | tail -1)
COVERT=${COVERT_BIN:-$ROOT/build/covert}
FIX="$ROOT/tests/flux/sources"
if [ -z "$FLUXBUILD" ] || ! "$FLUXBUILD" --version | grep -q 'sourceignore/'; then
    t_skip "flux sources" "fluxbuild peer with source artifacts missing (tests/peers/build.sh)"
    t_done
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# section FILE ID: the objects one Kustomization printed.
section() {
    awk -v id="# Kustomization $2" '/^# Kustomization /{on = ($0 == id)} on' "$1"
}

for case in a:flux/entry.yaml b:clusters/entry.yaml; do
    d=${case%%:*} entry=${case#*:}
    "$FLUXBUILD" "$FIX/$d" "$entry" >"$TMP/$d.go" 2>"$TMP/$d.go.err"
    go_rc=$?
    "$COVERT" build "$FIX/$d" --entry "$entry" --reveal >"$TMP/$d.cv" 2>"$TMP/$d.cv.err"
    cv_rc=$?
    # The error texts differ by design; compare everything else.
    sed 's/^# error: .*/# error/' "$TMP/$d.go" >"$TMP/$d.go.cmp"
    sed 's/^# error: .*/# error/' "$TMP/$d.cv" >"$TMP/$d.cv.cmp"
    if [ "$go_rc" -gt 1 ]; then
        t_fail "flux sources $d" "fluxbuild: $(head -3 "$TMP/$d.go.err")"
    elif [ "$go_rc" != "$cv_rc" ] || ! cmp -s "$TMP/$d.go.cmp" "$TMP/$d.cv.cmp"; then
        t_fail "flux sources $d" "exit $cv_rc (fluxbuild $go_rc); $(diff "$TMP/$d.go.cmp" "$TMP/$d.cv.cmp" | head -20)"
    else
        t_pass "flux sources $d: $(grep -c '^# Kustomization' "$TMP/$d.go") Kustomizations identical to fluxbuild"
    fi
done

# The fixtures must keep exercising the filter: the reference itself shows
# files that one source hands over and another does not.
if section "$TMP/a.go" flux-system/deploy | grep -q 'name: deploy-other' ||
    ! section "$TMP/a.go" flux-system/whole | grep -q 'name: deploy-other' ||
    section "$TMP/b.go" flux-system/plain | grep -q 'name: dot-flux' ||
    ! section "$TMP/b.go" flux-system/unknown | grep -q 'name: dot-flux' ||
    section "$TMP/b.go" flux-system/apps | grep -q 'name: apps-b'; then
    t_fail "flux sources fixtures" "the reference no longer filters where the fixtures expect it"
else
    t_pass "flux sources fixtures: filtered and whole-repository sources differ as intended"
fi
t_done
