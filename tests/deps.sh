#!/usr/bin/env bash
# Install the build and test dependencies that are missing (Debian/Ubuntu).
# Idempotent: when every package is already installed it only asks dpkg and
# never touches apt, so `make test` stays fast on a prepared machine.
#
#   build      build-essential pkg-config + the -dev libraries the Makefile links
#   tests      libcriterion-dev, age (Debian's 1.1.1 is an interop peer),
#              expect + python3 (pseudo-terminals), openssh-client (ssh keys)
#   fuzz       clang + libclang-rt-14-dev (libFuzzer runtime)
#   git        lighttpd (git http-backend behind basic auth), openssh-server
#              (sshd on a high port) for the Git source suite
#   tools      valgrind strace hyperfine time
#   cluster    openssl curl (tests/cluster: certificates, health checks)
#   bitwarden  python3-cryptography (tests/bitwarden/fake_server.py encrypts),
#              nodejs (+ npm when not bundled; the official SDK peer)
#   go         only when no `go` is on PATH (the peers need Go >= 1.22; a
#              preinstalled toolchain, e.g. /usr/local/go, is always preferred)
set -eu

PKGS="build-essential pkg-config libsodium-dev libssl-dev libcurl4-openssl-dev
libyaml-dev libjansson-dev libgit2-dev libcriterion-dev zlib1g-dev age
clang libclang-rt-14-dev valgrind strace hyperfine time expect
openssh-client python3 python3-cryptography git lighttpd openssh-server openssl curl
nodejs"

# A Go toolchain outside dpkg (e.g. /usr/local/go/bin) counts as installed.
for d in /usr/local/go/bin /usr/lib/go/bin "$HOME/go/bin"; do
    case ":$PATH:" in *":$d:"*) ;; *) [ -x "$d/go" ] && PATH="$PATH:$d" ;; esac
done
if ! command -v go >/dev/null 2>&1; then
    PKGS="$PKGS golang-go"
fi
# npm ships inside some nodejs builds (NodeSource); Debian packages it apart.
if ! command -v npm >/dev/null 2>&1; then
    PKGS="$PKGS npm"
fi

missing=""
for p in $PKGS; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "deps: all present"
    exit 0
fi

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "deps: not root and no sudo; install by hand:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh container: refresh once.
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: done"
