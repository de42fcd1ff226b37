#!/usr/bin/env bash
# Build the pinned peer tools once into $PEERS (outside the repository, so a
# CI cache can keep them between runs). A tool is rebuilt only when it is
# missing or reports another version.
#
#   $PEERS/age-1.3.1/  age age-keygen age-inspect age-plugin-batchpass
#                      age-plugin-pq age-plugin-tag age-plugin-tagpq
#   $PEERS/sops-3.13.2/ sops, sopsstore (tests/peers/sopsstore: sops's own
#                      store code, for byte-for-byte codec comparisons),
#                      sopscfg (tests/peers/sopscfg: sops's shamir and config
#                      packages and Go's regexp)
#   $PEERS/kustomize-5.8.1/ kustomize (sigs.k8s.io/kustomize/kustomize/v5)
#   $PEERS/fluxsrc/    fluxsrc (tests/peers/fluxsrc: source-controller's own
#                      clone, ignore, archive and semver code)
#   $PEERS/fluxgen/       fluxgen (tests/peers/fluxgen: fluxcd/pkg's kustomization
#                         generator alone, for reconcile/flux/gen.c vectors)
#   $PEERS/fluxbuild-1.9.4/ fluxbuild (tests/peers/fluxbuild: the Flux
#                      reference renderer on fluxcd/pkg/kustomize, envsubst,
#                      ssa and sops at kustomize-controller v1.9.4's versions)
#   $PEERS/kube-1.36.3/ kube-apiserver, kubectl, etcd (tests/cluster/build.sh:
#                      k8s.io/kubernetes as a dependency of a small module)
#   $PEERS/sdk-napi-1.0.0/ the official Bitwarden SDK (@bitwarden/sdk-napi
#                      1.0.0 from npm) that tests/bitwarden/sdk_proof.sh runs
#                      against the fake server
#   $PEERS/bwcli/      the official Bitwarden CLI (@bitwarden/cli 2026.9.0
#                      from npm) whose `bw serve` tests/bitwarden/bw_serve.sh
#                      runs against tests/bitwarden/fake_vault.py
#
# Everything Go touches (module cache, build cache) lives under $PEERS too, so
# a cold machine only needs the Go module proxy.
set -eu

: "${PEERS:=$HOME/.cache/covert/peers}"
AGE_VERSION=v1.3.1
AGE_DIR="$PEERS/age-1.3.1"
SOPS_VERSION=v3.13.2
SOPS_DIR="$PEERS/sops-3.13.2"

for d in /usr/local/go/bin /usr/lib/go/bin; do
    case ":$PATH:" in *":$d:"*) ;; *) [ -x "$d/go" ] && PATH="$PATH:$d" ;; esac
done

# have BIN: true when BIN exists and prints the pinned version.
have() {
    [ -x "$1" ] && [ "$("$1" --version 2>/dev/null | head -1)" = "$AGE_VERSION" ]
}

# go_install DIR PACKAGE@VERSION: build into DIR with caches under $PEERS.
go_install() {
    if ! command -v go >/dev/null 2>&1; then
        echo "peers: no go toolchain on PATH (run make deps)" >&2
        exit 1
    fi
    mkdir -p "$1"
    env GOBIN="$1" GOPATH="$PEERS/go" GOCACHE="$PEERS/go-build" \
        GOFLAGS="-mod=mod -modcacherw" \
        go install "$2"
}

# go_peer NAME DIR SUM VERSION [ENV...]: the Go program tests/peers/NAME built
# into DIR/NAME with the caches under $PEERS; rebuilt when its source hash
# (its .go files and go.mod, plus go.sum when SUM is "sum") differs from
# DIR/NAME.hash or, VERSION given, its --version output stops matching it.
go_peer() {
    local name=$1 dir=$2 sum=$3 version=$4
    shift 4
    local src="$HERE/$name" hash
    hash=$(cat "$src/"*.go "$src/go.mod" $([ "$sum" = sum ] && echo "$src/go.sum") | sha256sum | cut -c1-16)
    if [ -x "$dir/$name" ] && [ "$(cat "$dir/$name.hash" 2>/dev/null)" = "$hash" ] &&
        { [ -z "$version" ] || "$dir/$name" --version 2>/dev/null | grep -q "$version"; }; then
        kept="$kept $name"
        return
    fi
    mkdir -p "$dir"
    (cd "$src" && env GOPATH="$PEERS/go" GOCACHE="$PEERS/go-build" GOFLAGS="-mod=mod -modcacherw" \
        "$@" nice go build -o "$dir/$name" .)
    echo "$hash" >"$dir/$name.hash"
    built="$built $name"
}

# npm_peer NAME PACKAGE VERSION DIR: PACKAGE@VERSION installed under DIR with
# npm (reported as NAME), unless that version is already there.
npm_peer() {
    local name=$1 pkg=$2 version=$3 dir=$4
    local ok="require('$dir/node_modules/$pkg/package.json').version"
    if ! command -v npm >/dev/null 2>&1; then
        echo "peers: no npm on PATH: $pkg is not installed" >&2
    elif [ "$(node -p "$ok" 2>/dev/null)" = "$version" ]; then
        kept="$kept $name"
    else
        mkdir -p "$dir"
        [ -f "$dir/package.json" ] || echo "{\"name\":\"covert-$name-peer\",\"private\":true}" >"$dir/package.json"
        (cd "$dir" && npm install --no-audit --no-fund --silent "$pkg@$version")
        [ "$(node -p "$ok" 2>/dev/null)" = "$version" ] ||
            { echo "peers: $pkg $version did not install" >&2; exit 1; }
        built="$built $name"
    fi
}

built=""
kept=""

if have "$AGE_DIR/age" && have "$AGE_DIR/age-keygen" && have "$AGE_DIR/age-inspect"; then
    kept="$kept age age-keygen age-inspect age-plugin-batchpass"
else
    go_install "$AGE_DIR" "filippo.io/age/cmd/...@$AGE_VERSION"
    built="$built age age-keygen age-inspect age-plugin-batchpass"
fi

for plugin in age-plugin-pq age-plugin-tag age-plugin-tagpq; do
    if have "$AGE_DIR/$plugin"; then
        kept="$kept $plugin"
    else
        go_install "$AGE_DIR" "filippo.io/age/extra/$plugin@$AGE_VERSION"
        built="$built $plugin"
    fi
done

# age's own test plugin for tagged recipients (holds fixed test keys): the
# peer that decrypts what covert encrypts to age1tag1/age1tagpq1.
if [ -x "$AGE_DIR/age-plugin-tagtest" ]; then
    kept="$kept age-plugin-tagtest"
else
    go_install "$AGE_DIR" "filippo.io/age/tag/internal/age-plugin-tagtest@$AGE_VERSION"
    built="$built age-plugin-tagtest"
fi

for t in age age-keygen age-inspect age-plugin-pq age-plugin-tag age-plugin-tagpq; do
    if ! have "$AGE_DIR/$t"; then
        echo "peers: $AGE_DIR/$t does not report $AGE_VERSION" >&2
        exit 1
    fi
done

# sops prints "sops 3.13.2 (latest)" or similar; compare the version word.
sops_ok() {
    [ -x "$SOPS_DIR/sops" ] &&
        [ "$("$SOPS_DIR/sops" --disable-version-check --version 2>/dev/null |
            awk 'NR==1{print $2}')" = "${SOPS_VERSION#v}" ]
}
if sops_ok; then
    kept="$kept sops"
else
    go_install "$SOPS_DIR" "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION"
    built="$built sops"
fi
if ! sops_ok; then
    echo "peers: $SOPS_DIR/sops does not report $SOPS_VERSION" >&2
    exit 1
fi

# Go programs over sops's own packages (sopsstore: the stores; sopscfg:
# shamir, config and Go regexp) are rebuilt when their source changes (a hash
# is stamped beside each).
HERE=$(cd "$(dirname "$0")" && pwd)
for prog in sopsstore sopscfg; do go_peer "$prog" "$SOPS_DIR" nosum ""; done

# fluxsrc: Flux's Git source code (fluxcd/pkg git/gogit, sourceignore,
# artifact/storage at the versions source-controller pins); rebuilt when its
# source changes. fluxcd/pkg/artifact is not in the checksum database, so
# its go.sum line is the only check for that one module.
FLUX_DIR="$PEERS/fluxsrc"
go_peer fluxsrc "$FLUX_DIR" sum "" GONOSUMDB=github.com/fluxcd/pkg/artifact

# fluxbuild: Flux's generator, build, substitution and decryption code as
# kustomize-controller v1.9.4 pins it; rebuilt when its source changes or it
# does not report the pinned versions.
FLUXBUILD_DIR="$PEERS/fluxbuild-1.9.4"
go_peer fluxbuild "$FLUXBUILD_DIR" sum 'kustomize-controller/v1.9.4 '

# fluxgen: fluxcd/pkg/kustomize's Generator alone (the generated/merged
# kustomization), for tests/gen/flux_gen_vectors.sh; same pins as fluxbuild.
FLUXGEN_DIR="$PEERS/fluxgen"
go_peer fluxgen "$FLUXGEN_DIR" sum 'pkg/kustomize/v1.35.4'

# The official Bitwarden Secrets Manager SDK (Rust, as a Node addon), pinned.
SDK_NAPI_VERSION=1.0.0
SDK_DIR="$PEERS/sdk-napi-$SDK_NAPI_VERSION"
npm_peer sdk-napi @bitwarden/sdk-napi "$SDK_NAPI_VERSION" "$SDK_DIR"

# The official Bitwarden CLI (`bw`, for `bw serve`), pinned. 2026.6.0 and
# later check the Host header of bw serve requests; 2026.4.0 was withdrawn.
BWCLI_VERSION=2026.9.0
BWCLI_DIR="$PEERS/bwcli"
npm_peer bwcli @bitwarden/cli "$BWCLI_VERSION" "$BWCLI_DIR"

# kustomize v5.8.1 (api/kyaml v0.21.1), the second peer of the kustomize
# parity tests beside kubectl's built-in kustomize.
KZ_VERSION=v5.8.1
KZ_DIR="$PEERS/kustomize-5.8.1"
if [ -x "$KZ_DIR/kustomize" ] && [ "$("$KZ_DIR/kustomize" version 2>/dev/null)" = "$KZ_VERSION" ]; then
    kept="$kept kustomize"
else
    mkdir -p "$KZ_DIR"
    env GOBIN="$KZ_DIR" GOPATH="$PEERS/go" GOCACHE="$PEERS/go-build" \
        GOFLAGS="-mod=mod -modcacherw" nice go install "sigs.k8s.io/kustomize/kustomize/v5@$KZ_VERSION"
    [ "$("$KZ_DIR/kustomize" version 2>/dev/null)" = "$KZ_VERSION" ] ||
        { echo "peers: $KZ_DIR/kustomize does not report $KZ_VERSION" >&2; exit 1; }
    built="$built kustomize"
fi

# The Kubernetes control plane for the end-to-end tests (long first build).
"$HERE/../cluster/build.sh"

echo "peers: $AGE_DIR ($AGE_VERSION)"
echo "peers: $SOPS_DIR ($SOPS_VERSION)"
[ -z "$built" ] || echo "peers: built:$built"
[ -z "$kept" ] || echo "peers: already present:$kept"
