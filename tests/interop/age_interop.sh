#!/usr/bin/env bash
# covert <-> real age, both directions, through the CLI.
#
# Peers: Debian's age 1.1.1 (/usr/bin/age) and age v1.3.1 ($PEERS/age-1.3.1).
# For each peer and each direction (covert encrypts / peer decrypts, and the
# reverse):
#   X25519         sizes 0 1 65535 65536 65537 131072 + 10 MiB, binary and -a
#   ssh-ed25519    ssh-rsa (keys from ssh-keygen), sizes 1 and 65537, binary and -a
#   passphrase     scrypt, typed at a pseudo-terminal (tests/lib/pty_run.py)
#   several        -r -r -r and -R FILE (comments, blank lines) recipients;
#                  identity files holding several keys, the matching one last;
#                  several -i flags
#   pipes          stdin to stdout on both sides
#   age-keygen     covert's key files used by the peer and the reverse, and
#                  `age-keygen -y` giving the same recipients as the peer's
#   1.3.1 only     mlkem768x25519 (age-keygen -pq) keys, files, -y; mixing
#                  post-quantum and classic recipients refused
#   1.1.1 + plugin covert's post-quantum files opened by age 1.1.1 through
#                  age-plugin-pq v1.3.1, and the reverse
# Then every file under testvectors/age/interop/ (made by the peers, see
# tests/gen/gen_age_interop.sh) is decrypted by covert and checked against its
# manifest.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"

PTY="$ROOT/tests/lib/pty_run.py"
VEC="$ROOT/testvectors/age/interop"
: "${COVERT_BIN:=$ROOT/build/covert}"
SIZES="0 1 65535 65536 65537 131072"
BIG=$((10 * 1024 * 1024))

declare -A AGE=([1.1.1]="$AGE111_BIN" [1.3.1]="$AGE131/age")
declare -A KEYGEN=([1.1.1]="$AGE111_KEYGEN" [1.3.1]="$AGE131/age-keygen")

if [ ! -x "$COVERT_BIN" ]; then
    t_fail "covert binary missing: $COVERT_BIN"
    t_done
    exit 0
fi
PEER_LIST=""
for v in 1.1.1 1.3.1; do
    if [ -x "${AGE[$v]}" ] && [ -x "${KEYGEN[$v]}" ]; then
        PEER_LIST="$PEER_LIST $v"
    else
        t_skip "interop with age $v" "peer missing at ${AGE[$v]}"
    fi
done
command -v ssh-keygen >/dev/null || t_skip "ssh interop" "ssh-keygen missing"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
K="$W/keys"
mkdir -p "$K"

# cmd_of WHO TOOL: set CMD to the command line of TOOL (age or age-keygen)
# of WHO (covert, 1.1.1 or 1.3.1).
cmd_of() {
    case "$1:$2" in
    covert:*) CMD=("$COVERT_BIN" "$2") ;;
    *:age) CMD=("${AGE[$1]}") ;;
    *:age-keygen) CMD=("${KEYGEN[$1]}") ;;
    esac
}
# A hang is a failure (exit 124), not a stuck CI job.
age_of() {
    local CMD
    cmd_of "$1" age
    shift
    timeout 300 "${CMD[@]}" "$@"
}
keygen_of() {
    local CMD
    cmd_of "$1" age-keygen
    shift
    timeout 60 "${CMD[@]}" "$@"
}

# Plaintexts, one random file per size.
for s in $SIZES $BIG 1000; do head -c "$s" /dev/urandom >"$W/pt.$s"; done

# is_armored FILE / is_binary FILE: the ciphertext has the expected shape.
is_armored() { [ "$(head -1 "$1")" = "-----BEGIN AGE ENCRYPTED FILE-----" ]; }
is_binary() { head -c 22 "$1" | cmp -s - <(printf 'age-encryption.org/v1\n'); }

# rt LABEL ENC DEC ARMOR SIZE: ENC encrypts pt.SIZE with ${ENC_ARGS[@]}, DEC
# decrypts with ${DEC_ARGS[@]}; the plaintext must come back byte for byte.
rt() {
    local label=$1 enc=$2 dec=$3 armor=$4 size=$5 flags=()
    [ "$armor" = armor ] && flags=(-a)
    rm -f "$W/ct" "$W/out"
    if ! age_of "$enc" "${flags[@]}" "${ENC_ARGS[@]}" -o "$W/ct" "$W/pt.$size" 2>"$W/err"; then
        t_fail "$label: $enc could not encrypt: $(head -1 "$W/err")"
        return
    fi
    if [ "$armor" = armor ]; then
        is_armored "$W/ct" || { t_fail "$label: $enc output is not armored"; return; }
    else
        is_binary "$W/ct" || { t_fail "$label: $enc output is not a binary age file"; return; }
    fi
    if ! age_of "$dec" -d "${DEC_ARGS[@]}" -o "$W/out" "$W/ct" 2>"$W/err"; then
        t_fail "$label: $dec could not decrypt: $(head -1 "$W/err")"
        return
    fi
    # age 1.1.1 creates no -o file for an empty plaintext (fixed in v1.2.0).
    [ -e "$W/out" ] || [ "$dec" != 1.1.1 ] || : >"$W/out"
    if cmp -s "$W/out" "$W/pt.$size"; then t_pass "$label"; else t_fail "$label: plaintext differs"; fi
}

# both LABEL PEER ARMOR SIZE: rt in both directions between covert and PEER.
both() {
    rt "$1 covert->$2 $4 $3" covert "$2" "$3" "$4"
    rt "$1 $2->covert $4 $3" "$2" covert "$3" "$4"
}

# pass_rt LABEL ENC DEC ARMOR SIZE: passphrase round trip through a terminal.
pass_rt() {
    local label=$1 enc=$2 dec=$3 armor=$4 size=$5 flags=() pw="pw-$RANDOM-$RANDOM" p
    [ "$armor" = armor ] && flags=(-a)
    rm -f "$W/ct" "$W/out"
    p='(?i)passphrase[^\n]*:'
    local CMD
    cmd_of "$enc" age
    if ! python3 "$PTY" --timeout 120 --stderr "$W/err" -a "$p" "$pw" -a "$p" "$pw" \
        -- "${CMD[@]}" -p "${flags[@]}" -o "$W/ct" "$W/pt.$size"; then
        t_fail "$label: $enc could not encrypt: $(head -1 "$W/err")"
        return
    fi
    if [ "$armor" = armor ]; then
        is_armored "$W/ct" || { t_fail "$label: $enc output is not armored"; return; }
    else
        is_binary "$W/ct" || { t_fail "$label: $enc output is not a binary age file"; return; }
    fi
    cmd_of "$dec" age
    if ! python3 "$PTY" --timeout 120 --stderr "$W/err" -a "$p" "$pw" \
        -- "${CMD[@]}" -d -o "$W/out" "$W/ct"; then
        t_fail "$label: $dec could not decrypt: $(head -1 "$W/err")"
        return
    fi
    if cmp -s "$W/out" "$W/pt.$size"; then t_pass "$label"; else t_fail "$label: plaintext differs"; fi
}

# same LABEL FILE_A FILE_B: the two outputs are identical (and not empty).
same() {
    if [ -s "$2" ] && cmp -s "$2" "$3"; then
        t_pass "$1"
    else
        t_fail "$1: '$(head -c 200 "$2" | tr '\n' ' ')' vs '$(head -c 200 "$3" | tr '\n' ' ')'"
    fi
}

# ---- keys ------------------------------------------------------------------
if ! keygen_of covert -o "$K/x-covert.key" 2>"$W/err"; then
    t_fail "covert age-keygen -o: $(head -1 "$W/err")"
fi
keygen_of covert -y "$K/x-covert.key" >"$K/x-covert.pub" 2>/dev/null
for v in $PEER_LIST; do
    keygen_of "$v" -o "$K/x-$v.key" 2>/dev/null
    keygen_of "$v" -y "$K/x-$v.key" >"$K/x-$v.pub"
    keygen_of "$v" 2>/dev/null | grep '^AGE-SECRET-KEY-' >"$K/other-$v.key"
    # several keys, the matching one last
    { echo "# two unrelated keys, then the one that matches"; cat "$K/other-$v.key"; echo;
      grep '^AGE-SECRET-KEY-' "$K/x-$v.key"; } >"$K/several-$v.key"
    { grep '^AGE-SECRET-KEY-' "$K/other-$v.key"; echo; cat "$K/x-covert.key"; } >"$K/several-covert-$v.key"
done
HAVE_SSH=0
if command -v ssh-keygen >/dev/null; then
    ssh-keygen -q -t ed25519 -N '' -C covert-interop -f "$K/ssh_ed25519" &&
        ssh-keygen -q -t rsa -b 2048 -N '' -C covert-interop -f "$K/ssh_rsa" && HAVE_SSH=1
fi

# ---- per peer ---------------------------------------------------------------
for v in $PEER_LIST; do
    xp=$(cat "$K/x-$v.pub")
    xc=$(cat "$K/x-covert.pub")

    # X25519, peer-made key, full size ladder.
    ENC_ARGS=(-r "$xp") DEC_ARGS=(-i "$K/x-$v.key")
    for s in $SIZES; do
        both "x25519" "$v" bin "$s"
        both "x25519" "$v" armor "$s"
    done
    both "x25519 10MiB" "$v" bin "$BIG"
    [ "$v" = 1.3.1 ] && both "x25519 10MiB" "$v" armor "$BIG"

    # covert's key file used by the peer, and the reverse.
    ENC_ARGS=(-r "$xc") DEC_ARGS=(-i "$K/x-covert.key")
    rt "covert age-keygen key: $v encrypts, covert decrypts" "$v" covert bin 65537
    rt "covert age-keygen key: covert encrypts, $v decrypts" covert "$v" bin 65537
    rt "covert age-keygen key: $v encrypts and decrypts" "$v" "$v" armor 1

    # age-keygen -y agrees with the peer, both ways, and with the key comment.
    keygen_of "$v" -y "$K/x-covert.key" >"$W/y.peer" 2>&1
    keygen_of covert -y "$K/x-covert.key" >"$W/y.covert" 2>&1
    same "age-keygen -y of a covert key: covert = $v" "$W/y.covert" "$W/y.peer"
    sed -n 's/^# public key: //p' "$K/x-covert.key" >"$W/y.comment"
    same "covert key file '# public key' = $v -y" "$W/y.comment" "$W/y.peer"
    keygen_of "$v" -y "$K/x-$v.key" >"$W/y.peer" 2>&1
    keygen_of covert -y "$K/x-$v.key" >"$W/y.covert" 2>&1
    same "age-keygen -y of a $v key: covert = $v" "$W/y.covert" "$W/y.peer"
    keygen_of "$v" -y "$K/several-$v.key" >"$W/y.peer" 2>&1
    keygen_of covert -y "$K/several-$v.key" >"$W/y.covert" 2>&1
    same "age-keygen -y of a file with several keys: covert = $v" "$W/y.covert" "$W/y.peer"
    keygen_of "$v" -y <"$K/x-covert.key" >"$W/y.peer" 2>&1
    keygen_of covert -y <"$K/x-covert.key" >"$W/y.covert" 2>&1
    same "age-keygen -y from stdin: covert = $v" "$W/y.covert" "$W/y.peer"
    # age-keygen to stdout: the peer reads it as an identity file.
    keygen_of covert >"$W/k.stdout" 2>/dev/null
    keygen_of "$v" -y "$W/k.stdout" >"$W/y.peer" 2>&1
    sed -n 's/^# public key: //p' "$W/k.stdout" >"$W/y.comment"
    same "covert age-keygen to stdout read by $v -y" "$W/y.comment" "$W/y.peer"

    # ssh-ed25519 and ssh-rsa.
    if [ "$HAVE_SSH" = 1 ]; then
        for t in ed25519 rsa; do
            ENC_ARGS=(-r "$(cat "$K/ssh_$t.pub")") DEC_ARGS=(-i "$K/ssh_$t")
            for s in 1 65537; do
                both "ssh-$t" "$v" bin "$s"
                both "ssh-$t" "$v" armor "$s"
            done
            ENC_ARGS=(-R "$K/ssh_$t.pub")
            both "ssh-$t -R" "$v" bin 1000
        done
    fi

    # Several recipients: -r -r -r, matching identity last in its file.
    ENC_ARGS=(-r "$(cat "$K/x-covert.pub")" -r "$xp")
    [ "$HAVE_SSH" = 1 ] && ENC_ARGS+=(-r "$(cat "$K/ssh_ed25519.pub")")
    DEC_ARGS=(-i "$K/several-$v.key")
    both "three -r recipients, $v key last in its identity file" "$v" bin 65536
    DEC_ARGS=(-i "$K/several-covert-$v.key")
    both "three -r recipients, covert key last in its identity file" "$v" armor 65537
    DEC_ARGS=(-i "$K/other-$v.key" -i "$K/x-$v.key")
    both "three -r recipients, matching key in the second -i" "$v" bin 1
    if [ "$HAVE_SSH" = 1 ]; then
        DEC_ARGS=(-i "$K/other-$v.key" -i "$K/ssh_ed25519")
        both "three -r recipients, ssh key in the second -i" "$v" bin 1
    fi

    # -R file with comments and blank lines, plus -R and -r together.
    {
        echo "# recipients for the interop suite"
        echo
        cat "$K/x-$v.pub"
        echo "# and covert's"
        cat "$K/x-covert.pub"
        [ "$HAVE_SSH" = 1 ] && cat "$K/ssh_rsa.pub"
        echo
    } >"$K/recipients-$v.txt"
    ENC_ARGS=(-R "$K/recipients-$v.txt") DEC_ARGS=(-i "$K/x-covert.key")
    both "-R file, covert key" "$v" bin 65535
    if [ "$HAVE_SSH" = 1 ]; then
        DEC_ARGS=(-i "$K/ssh_rsa")
        both "-R file, ssh-rsa key" "$v" armor 131072
    fi
    ENC_ARGS=(-R "$K/x-$v.pub" -r "$xc") DEC_ARGS=(-i "$K/x-$v.key")
    both "-R and -r together" "$v" bin 1

    # Pipes: stdin to stdout on both sides.
    if age_of covert -r "$xp" <"$W/pt.65537" | age_of "$v" -d -i "$K/x-$v.key" | cmp -s - "$W/pt.65537"; then
        t_pass "pipe covert->$v"
    else t_fail "pipe covert->$v"; fi
    if age_of "$v" -a -r "$xp" <"$W/pt.65537" | age_of covert -d -i "$K/x-$v.key" | cmp -s - "$W/pt.65537"; then
        t_pass "pipe $v->covert (armored)"
    else t_fail "pipe $v->covert (armored)"; fi

    # Passphrases (scrypt), typed at a terminal.
    pass_rt "passphrase covert->$v 1 bin" covert "$v" bin 1
    pass_rt "passphrase $v->covert 1 bin" "$v" covert bin 1
    pass_rt "passphrase covert->$v 65537 armor" covert "$v" armor 65537
    pass_rt "passphrase $v->covert 65537 armor" "$v" covert armor 65537
done

# ---- post-quantum (age 1.3.1 only) -------------------------------------------
if [[ " $PEER_LIST " = *" 1.3.1 "* ]]; then
    keygen_of 1.3.1 -pq -o "$K/pq-1.3.1.key" 2>/dev/null
    keygen_of 1.3.1 -y "$K/pq-1.3.1.key" >"$K/pq-1.3.1.pub"
    if keygen_of covert -pq -o "$K/pq-covert.key" 2>"$W/err"; then
        t_pass "covert age-keygen -pq"
    else
        t_fail "covert age-keygen -pq: $(head -1 "$W/err")"
    fi
    keygen_of covert -y "$K/pq-covert.key" >"$K/pq-covert.pub" 2>/dev/null
    ENC_ARGS=(-r "$(cat "$K/pq-1.3.1.pub")") DEC_ARGS=(-i "$K/pq-1.3.1.key")
    for s in 1 65537; do
        both "mlkem768x25519" 1.3.1 bin "$s"
        both "mlkem768x25519" 1.3.1 armor "$s"
    done
    ENC_ARGS=(-r "$(cat "$K/pq-covert.pub" 2>/dev/null)") DEC_ARGS=(-i "$K/pq-covert.key")
    both "mlkem768x25519 covert age-keygen -pq key" 1.3.1 bin 65536
    ENC_ARGS=(-r "$(cat "$K/pq-covert.pub" 2>/dev/null)" -R "$K/pq-1.3.1.pub")
    DEC_ARGS=(-i "$K/pq-1.3.1.key")
    both "mlkem768x25519 two recipients, second key" 1.3.1 bin 1000
    cat "$K/pq-1.3.1.key" "$K/x-covert.key" "$K/pq-covert.key" >"$K/pq-several.key" 2>/dev/null
    DEC_ARGS=(-i "$K/pq-several.key")
    both "mlkem768x25519 identity file with several keys" 1.3.1 armor 1

    keygen_of 1.3.1 -y "$K/pq-covert.key" >"$W/y.peer" 2>&1
    keygen_of covert -y "$K/pq-covert.key" >"$W/y.covert" 2>&1
    same "age-keygen -y of a covert pq key: covert = 1.3.1" "$W/y.covert" "$W/y.peer"
    sed -n 's/^# public key: //p' "$K/pq-covert.key" >"$W/y.comment" 2>/dev/null
    same "covert pq key file '# public key' = 1.3.1 -y" "$W/y.comment" "$W/y.peer"
    keygen_of 1.3.1 -y "$K/pq-several.key" >"$W/y.peer" 2>&1
    keygen_of covert -y "$K/pq-several.key" >"$W/y.covert" 2>&1
    same "age-keygen -y of mixed pq/x25519 keys: covert = 1.3.1" "$W/y.covert" "$W/y.peer"

    # Mixing post-quantum and classic recipients: refused the same way.
    for who in 1.3.1 covert; do
        age_of "$who" -r "$(cat "$K/pq-1.3.1.pub")" -r "$(cat "$K/x-covert.pub")" \
            -o "$W/mix.$who" "$W/pt.1" 2>"$W/mix.$who.err"
        echo $? >"$W/mix.$who.rc"
    done
    if [ "$(cat "$W/mix.covert.rc")" = 1 ] && [ "$(cat "$W/mix.1.3.1.rc")" = 1 ] &&
        [ ! -e "$W/mix.covert" ] &&
        [ "$(err_head "$W/mix.covert.err")" = "$(err_head "$W/mix.1.3.1.err")" ]; then
        t_pass "pq and classic recipients refused like 1.3.1"
    else
        t_fail "pq and classic recipients: covert exit $(cat "$W/mix.covert.rc") '$(head -1 "$W/mix.covert.err")', 1.3.1 exit $(cat "$W/mix.1.3.1.rc") '$(head -1 "$W/mix.1.3.1.err")'"
    fi

    # age 1.1.1 + age-plugin-pq (v1.3.1) reads and writes covert's pq files.
    if [[ " $PEER_LIST " = *" 1.1.1 "* ]] && [ -x "$AGE131/age-plugin-pq" ]; then
        "$AGE131/age-plugin-pq" -identity >"$K/pq-covert.plugin" 2>"$W/err" <"$K/pq-covert.key"
        ENC_ARGS=(-r "$(cat "$K/pq-covert.pub" 2>/dev/null)") DEC_ARGS=(-i "$K/pq-covert.plugin")
        PATH="$AGE131:$PATH" rt "mlkem768x25519 covert->1.1.1+age-plugin-pq" covert 1.1.1 bin 65537
        DEC_ARGS=(-i "$K/pq-covert.key")
        PATH="$AGE131:$PATH" rt "mlkem768x25519 1.1.1+age-plugin-pq->covert" 1.1.1 covert armor 65537
    else
        t_skip "1.1.1 + age-plugin-pq" "peer or plugin missing"
    fi
fi

# ---- committed peer-made vectors ------------------------------------------------
if [ ! -f "$VEC/manifest" ]; then
    t_fail "interop vectors: no manifest at $VEC (run tests/gen/gen_age_interop.sh)"
else
    n=0
    while IFS=$'\t' read -r file maker mode key size sum; do
        case "$file" in '#'* | '') continue ;; esac
        n=$((n + 1))
        label="vector $file ($maker)"
        rm -f "$W/out"
        if [ "$mode" = identity ]; then
            timeout 120 "$COVERT_BIN" age -d -i "$VEC/$key" -o "$W/out" "$VEC/$file" 2>"$W/err"
        else
            python3 "$PTY" --timeout 120 --stderr "$W/err" -a '(?i)passphrase[^\n]*:' "$key" \
                -- "$COVERT_BIN" age -d -o "$W/out" "$VEC/$file"
        fi
        rc=$?
        if [ "$rc" != 0 ]; then
            t_fail "$label: exit $rc: $(head -1 "$W/err")"
        elif [ ! -e "$W/out" ]; then
            t_fail "$label: no output file"
        elif [ "$(stat -c %s "$W/out")" != "$size" ] || [ "$(sha256sum <"$W/out" | cut -d' ' -f1)" != "$sum" ]; then
            t_fail "$label: plaintext does not match the manifest"
        else
            t_pass "$label"
        fi
    done <"$VEC/manifest"
    [ "$n" -gt 0 ] || t_fail "interop vectors: empty manifest"
fi

t_done
