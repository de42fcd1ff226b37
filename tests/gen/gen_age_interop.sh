#!/usr/bin/env bash
# Generate testvectors/age/interop/: files encrypted by the real peers (Debian's
# age 1.1.1 and age v1.3.1), the keys to open them, and a manifest. Every file
# here comes from a peer or ssh-keygen, never from covert, so
# tests/interop/age_interop.sh can hold covert to them.
#
#   tests/gen/gen_age_interop.sh [OUT_DIR]     default testvectors/age/interop
#
# Re-running replaces the folder (new random keys and plaintexts).
#
# manifest (tab-separated, one file a line, `#` comments):
#   FILE  MAKER  MODE  KEY  SIZE  SHA256
#     MAKER  age-1.1.1 | age-1.3.1
#     MODE   identity (KEY = identity file, relative to the folder)
#            passphrase (KEY = the passphrase, typed at a terminal)
#     SIZE, SHA256  length and SHA-256 of the plaintext
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/testvectors/age/interop}
: "${PEERS:=$HOME/.cache/covert/peers}"
PTY="$ROOT/tests/lib/pty_run.py"

declare -A AGE=([age-1.1.1]=/usr/bin/age [age-1.3.1]="$PEERS/age-1.3.1/age")
declare -A KEYGEN=([age-1.1.1]=/usr/bin/age-keygen [age-1.3.1]="$PEERS/age-1.3.1/age-keygen")
for t in "${AGE[@]}" "${KEYGEN[@]}" ssh-keygen python3; do
    command -v "$t" >/dev/null || {
        echo "gen: missing $t (make deps peers)" >&2
        exit 1
    }
done
[ "$("${AGE[age-1.3.1]}" --version)" = v1.3.1 ] || {
    echo "gen: ${AGE[age-1.3.1]} is not v1.3.1" >&2
    exit 1
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT/keys"
MANIFEST="$OUT/manifest"
{
    echo "# age interop vectors: written by tests/gen/gen_age_interop.sh from the real peers"
    echo "# $(/usr/bin/age --version | sed 's/^/age-1.1.1 = Debian age /'), age-1.3.1 = filippo.io/age $("${AGE[age-1.3.1]}" --version)"
    printf '# FILE\tMAKER\tMODE\tKEY\tSIZE\tSHA256\n'
} >"$MANIFEST"

plaintext() { # SIZE -> path of a fresh random plaintext
    local p="$TMP/pt.$1.$RANDOM"
    head -c "$1" /dev/urandom >"$p"
    echo "$p"
}

# record FILE MAKER MODE KEY PLAINTEXT
record() {
    local size sum
    size=$(stat -c %s "$5")
    sum=$(sha256sum <"$5" | cut -d' ' -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$size" "$sum" >>"$MANIFEST"
}

# enc_id NAME MAKER KEYFILE ARMOR SIZE RECIPIENT_ARGS...: encrypt to recipients,
# record with identity KEYFILE; verify the maker can decrypt its own file.
enc_id() {
    local name=$1 maker=$2 key=$3 armor=$4 size=$5 pt
    shift 5
    pt=$(plaintext "$size")
    local flags=()
    [ "$armor" = armor ] && flags=(-a)
    "${AGE[$maker]}" "${flags[@]}" "$@" -o "$OUT/$name" "$pt"
    "${AGE[$maker]}" -d -i "$OUT/$key" "$OUT/$name" | cmp -s - "$pt" || {
        echo "gen: $maker cannot decrypt its own $name" >&2
        exit 1
    }
    record "$name" "$maker" identity "$key" "$pt"
    LAST_PT=$pt
}

# enc_pass NAME MAKER ARMOR SIZE: passphrase encryption through a terminal.
enc_pass() {
    local name=$1 maker=$2 armor=$3 size=$4 pt pass
    pt=$(plaintext "$size")
    pass="interop-$maker-$RANDOM$RANDOM"
    local flags=()
    [ "$armor" = armor ] && flags=(-a)
    python3 "$PTY" --timeout 120 --stderr "$TMP/err" \
        -a '(?i)passphrase[^\n]*:' "$pass" -a '(?i)passphrase[^\n]*:' "$pass" \
        -- "${AGE[$maker]}" -p "${flags[@]}" -o "$OUT/$name" "$pt" || {
        cat "$TMP/err" >&2
        exit 1
    }
    record "$name" "$maker" passphrase "$pass" "$pt"
}

# Keys: one native key per peer, one ssh key of each type (ssh-keygen), a
# post-quantum key from 1.3.1.
for maker in age-1.1.1 age-1.3.1; do
    "${KEYGEN[$maker]}" -o "$OUT/keys/x25519-$maker.key" 2>/dev/null
    "${KEYGEN[$maker]}" -y "$OUT/keys/x25519-$maker.key" >"$OUT/keys/x25519-$maker.pub"
done
"${KEYGEN[age-1.3.1]}" -pq -o "$OUT/keys/pq-age-1.3.1.key" 2>/dev/null
"${KEYGEN[age-1.3.1]}" -y "$OUT/keys/pq-age-1.3.1.key" >"$OUT/keys/pq-age-1.3.1.pub"
ssh-keygen -q -t ed25519 -N '' -C interop-ed25519 -f "$OUT/keys/ssh_ed25519"
ssh-keygen -q -t rsa -b 2048 -N '' -C interop-rsa -f "$OUT/keys/ssh_rsa"
# An identity file whose matching key is last, behind two unrelated keys.
for maker in age-1.1.1 age-1.3.1; do
    "${KEYGEN[$maker]}" 2>/dev/null | grep '^AGE-SECRET' >"$TMP/other.$maker"
done
for maker in age-1.1.1 age-1.3.1; do
    {
        echo "# unrelated keys first"
        cat "$TMP/other.age-1.1.1" "$TMP/other.age-1.3.1"
        echo
        grep '^AGE-SECRET' "$OUT/keys/x25519-$maker.key"
    } >"$OUT/keys/several-$maker.key"
done

for maker in age-1.1.1 age-1.3.1; do
    v=${maker#age-}
    x="$OUT/keys/x25519-$maker"
    for size in 0 1 65535 65536 65537 131072; do
        enc_id "x25519-$v-$size.age" "$maker" "keys/x25519-$maker.key" bin "$size" -R "$x.pub"
    done
    for size in 0 1 65537; do
        enc_id "x25519-$v-$size.armored.age" "$maker" "keys/x25519-$maker.key" armor "$size" -R "$x.pub"
    done
    for t in ed25519 rsa; do
        enc_id "ssh-$t-$v-1.age" "$maker" "keys/ssh_$t" bin 1 -R "$OUT/keys/ssh_$t.pub"
        enc_id "ssh-$t-$v-1000.armored.age" "$maker" "keys/ssh_$t" armor 1000 -R "$OUT/keys/ssh_$t.pub"
    done
    # Several recipients, the native one last; opened with the ssh-rsa key
    # and with an identity file whose matching key is last.
    enc_id "multi-$v-65536.age" "$maker" "keys/ssh_rsa" bin 65536 \
        -R "$OUT/keys/ssh_ed25519.pub" -R "$OUT/keys/ssh_rsa.pub" -r "$(cat "$x.pub")"
    cp "$OUT/multi-$v-65536.age" "$OUT/multi-$v-65536.several.age"
    record "multi-$v-65536.several.age" "$maker" identity "keys/several-$maker.key" "$LAST_PT"
    enc_pass "scrypt-$v-1.age" "$maker" bin 1
    enc_pass "scrypt-$v-1000.armored.age" "$maker" armor 1000
done
enc_id "pq-1.3.1-1.age" age-1.3.1 "keys/pq-age-1.3.1.key" bin 1 -R "$OUT/keys/pq-age-1.3.1.pub"
enc_id "pq-1.3.1-65537.armored.age" age-1.3.1 "keys/pq-age-1.3.1.key" armor 65537 -R "$OUT/keys/pq-age-1.3.1.pub"

echo "gen: wrote $(grep -vc '^#' "$MANIFEST") files into $OUT"
