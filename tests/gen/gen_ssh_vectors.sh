#!/usr/bin/env bash
# Generate testvectors/ssh/: SSH keys made by the real ssh-keygen (and, for
# the Ed25519 PKCS#8 keys ssh-keygen cannot write, by openssl), and age files
# encrypted to them by the real age v1.3.1. Everything the unit tests expect
# comes from these peers; nothing here is computed by covert.
#
#   tests/gen/gen_ssh_vectors.sh            (re)generate all vectors
#
# Needs: ssh-keygen (apt-get install openssh-client), openssl, and age 1.3.1
# in $PEERS/age-1.3.1 (make peers). The keys are throwaway test keys.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/testvectors/ssh"
PEERS=${PEERS:-$HOME/.cache/covert/peers}
AGE="$PEERS/age-1.3.1/age"
COMMENT="covert-test"

for tool in ssh-keygen openssl "$AGE"; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
find "$OUT" -mindepth 1 ! -name bcrypt_pbkdf.txt ! -name README.md -delete

printf 'age test vector plaintext\n' >"$OUT/plaintext.txt"
MANIFEST="$OUT/manifest.txt"
cat >"$MANIFEST" <<'EOF'
# Keys in this directory, one per line (made by tests/gen/gen_ssh_vectors.sh):
#   name type bits format cipher passphrase pub age
# format: openssh | pkcs1 | pkcs8;  cipher: none, an OpenSSH cipher name,
# pem (legacy Proc-Type/DEK-Info encryption) or pkcs8 (PBES2);
# passphrase, pub (public key file) and age (file encrypted to the key by
# age 1.3.1, plaintext in plaintext.txt) are "-" when absent.
EOF

entry() { echo "$*" >>"$MANIFEST"; }

# ssh-keygen NAME TYPE BITS FORMAT CIPHER PASS [ROUNDS]
keygen() {
    local name=$1 type=$2 bits=$3 format=$4 cipher=$5 pass=$6 rounds=${7:-16}
    local args=(-q -t "$type" -C "$COMMENT" -f "$OUT/$name" -N "${pass/#-/}")
    [ "$type" = rsa ] && args+=(-b "$bits")
    case $format in
    pkcs1) args+=(-m PEM) ;;
    pkcs8) args+=(-m PKCS8) ;;
    esac
    case $cipher in
    none | pem | pkcs8) ;;
    *) args+=(-Z "$cipher" -a "$rounds") ;;
    esac
    ssh-keygen "${args[@]}"
}

# age -R NAME.pub, or age -e -i NAME when there is no usable .pub
encrypt_to() {
    local name=$1 how=$2
    if [ "$how" = pub ]; then
        "$AGE" -R "$OUT/$name.pub" -o "$OUT/$name.age" "$OUT/plaintext.txt"
    else
        "$AGE" -e -i "$OUT/$name" -o "$OUT/$name.age" "$OUT/plaintext.txt"
    fi
}

sshtype() { [ "$1" = rsa ] && echo ssh-rsa || echo ssh-ed25519; }

# gen NAME TYPE BITS FORMAT CIPHER PASS [ROUNDS]: key + age file + manifest
gen() {
    local name=$1 type=$2 bits=$3 format=$4 cipher=$5 pass=$6
    keygen "$@"
    encrypt_to "$name" pub
    entry "$name $(sshtype "$type") $bits $format $cipher $pass $name.pub $name.age"
}

# Unencrypted OpenSSH keys.
gen ed25519 ed25519 256 openssh none -
gen ed25519_other ed25519 256 openssh none -
gen rsa2048 rsa 2048 openssh none -
gen rsa3072 rsa 3072 openssh none -
gen rsa4096 rsa 4096 openssh none -
# Passphrase-protected OpenSSH keys: ssh-keygen's default (aes256-ctr with
# bcrypt_pbkdf, 16 rounds), then every other cipher OpenSSH offers for keys
# (fewer rounds to keep the tests quick).
gen ed25519_enc ed25519 256 openssh aes256-ctr pw-ed25519-default
gen rsa2048_enc rsa 2048 openssh aes256-ctr pw-rsa2048-default
for c in aes128-ctr aes192-ctr aes128-cbc aes192-cbc aes256-cbc \
    aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com; do
    n="ed25519_${c%%@*}"
    n=${n//-/_}
    gen "$n" ed25519 256 openssh "$c" "pw-$c" 4
done
gen rsa3072_chacha rsa 3072 openssh chacha20-poly1305@openssh.com pw-rsa-chacha 4
# PEM: PKCS#1 (plain and legacy-encrypted) and PKCS#8 (plain and PBES2).
gen rsa2048_pkcs1 rsa 2048 pkcs1 none -
gen rsa2048_pkcs1_enc rsa 2048 pkcs1 pem pw-rsa-legacy-pem
gen rsa3072_pkcs8 rsa 3072 pkcs8 none -
gen rsa2048_pkcs8_enc rsa 2048 pkcs8 pkcs8 pw-rsa-pkcs8

# Ed25519 in PKCS#8 (ssh-keygen cannot write it): openssl makes the key, the
# public key line is assembled from openssl's raw public key, and age encrypts
# with -e -i (so age derives the recipient itself).
openssl genpkey -algorithm ed25519 -out "$OUT/ed25519_pkcs8" 2>/dev/null
openssl pkey -in "$OUT/ed25519_pkcs8" -pubout -outform DER 2>/dev/null | tail -c 32 >"$tmp/raw"
b64=$({
    printf '\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20'
    cat "$tmp/raw"
} | base64 -w0)
echo "ssh-ed25519 $b64 $COMMENT" >"$OUT/ed25519_pkcs8.pub"
encrypt_to ed25519_pkcs8 identity
entry "ed25519_pkcs8 ssh-ed25519 256 pkcs8 none - ed25519_pkcs8.pub ed25519_pkcs8.age"
openssl pkey -in "$OUT/ed25519_pkcs8" -aes-256-cbc -passout pass:pw-ed25519-pkcs8 \
    -out "$OUT/ed25519_pkcs8_enc" 2>/dev/null
cp "$OUT/ed25519_pkcs8.pub" "$OUT/ed25519_pkcs8_enc.pub"
cp "$OUT/ed25519_pkcs8.age" "$OUT/ed25519_pkcs8_enc.age"
entry "ed25519_pkcs8_enc ssh-ed25519 256 pkcs8 pkcs8 pw-ed25519-pkcs8 ed25519_pkcs8_enc.pub ed25519_pkcs8_enc.age"

# RSA-1024: age refuses it as a recipient (-R skips it), but still accepts it
# unencrypted as an identity, and -e -i encrypts to it.
keygen rsa1024 rsa 1024 openssh none -
encrypt_to rsa1024 identity
entry "rsa1024 ssh-rsa 1024 openssh none - rsa1024.pub rsa1024.age"
keygen rsa1024_enc rsa 1024 openssh aes256-ctr pw-rsa1024 4
entry "rsa1024_enc ssh-rsa 1024 openssh aes256-ctr pw-rsa1024 rsa1024_enc.pub -"

# Key types age does not support.
ssh-keygen -q -t ecdsa -b 256 -C "$COMMENT" -N '' -f "$OUT/ecdsa"
entry "ecdsa ecdsa-sha2-nistp256 256 openssh none - ecdsa.pub -"
ssh-keygen -q -t ecdsa -b 256 -C "$COMMENT" -N '' -m PEM -f "$OUT/ecdsa_pem"
entry "ecdsa_pem ecdsa-sha2-nistp256 256 pkcs1 none - ecdsa_pem.pub -"

echo "wrote $(grep -vc '^#' "$MANIFEST") keys to $OUT"
