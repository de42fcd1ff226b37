#!/usr/bin/env bash
# covert sops <-> real sops v3.13.2, both directions.
#
# For every plain file in testvectors/sops/plain/ and the options that fit it
# (selection rules, mac-only-encrypted, indentation, stores), and for
# recipient sets (X25519, two X25519 opened by the second, ssh-ed25519,
# hybrid post-quantum):
#   - sops decrypts what covert encrypted, to the same bytes as its own
#     round trip of the file;
#   - covert decrypts what sops encrypted (and what covert encrypted), to
#     the same bytes;
#   - covert's encrypted file has the same layout as sops's: identical text
#     once ciphertexts, age blocks, MAC and lastmodified are masked;
#   - `sops filestatus` calls covert's file encrypted.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
# shellcheck source=../lib/sops_env.sh
. "$ROOT/tests/lib/sops_env.sh"

# Keys: two X25519, one post-quantum, one ssh-ed25519.
K="$TMP/keys"
mkdir -p "$K"
"$AGE131/age-keygen" -o "$K/x1.txt" 2>/dev/null
"$AGE131/age-keygen" -o "$K/x2.txt" 2>/dev/null
"$AGE131/age-keygen" -pq -o "$K/pq.txt" 2>/dev/null
ssh-keygen -q -t ed25519 -N "" -f "$K/ssh" >/dev/null
X1=$("$AGE131/age-keygen" -y "$K/x1.txt")
X2=$("$AGE131/age-keygen" -y "$K/x2.txt")
PQ=$("$AGE131/age-keygen" -y "$K/pq.txt")
SSH=$(cat "$K/ssh.pub")

# with_keys SET CMD...: run with the identities of recipient set SET.
with_keys() {
    local set=$1
    shift
    case "$set" in
    x25519) SOPS_AGE_KEY_FILE="$K/x1.txt" "$@" ;;
    two) SOPS_AGE_KEY_FILE="$K/x2.txt" "$@" ;;
    pq) SOPS_AGE_KEY_FILE="$K/pq.txt" "$@" ;;
    ssh) SOPS_AGE_SSH_PRIVATE_KEY_FILE="$K/ssh" "$@" ;;
    esac
}
recipients() {
    case "$1" in
    x25519) echo "$X1" ;;
    two) echo "$X1,$X2" ;;
    pq) echo "$PQ" ;;
    ssh) echo "$SSH" ;;
    esac
}


# check_case NAME SET FILE GLOBAL_FLAGS ENCRYPT_FLAGS [VERB]
# VERB is `encrypt` (the subcommand) or `-e` (sops's legacy form, the only
# one that takes the comment-regex rules from the command line).
check_case() {
    local name=$1 set=$2 file=$3 gflags=$4 eflags=$5 verb=${6:-encrypt}
    local base
    base="$TMP/$(echo "$name" | tr -c 'A-Za-z0-9' _)"
    local ext=${file##*.}
    local r
    r=$(recipients "$set")
    # shellcheck disable=SC2086
    "$SOPS" $gflags $verb --age "$r" $eflags "$PLAIN/$file" >"$base.sops.$ext" 2>"$base.err" ||
        { t_fail "$name: sops encrypt failed: $(head -1 "$base.err")"; return; }
    # shellcheck disable=SC2086
    "$COVERT_BIN" sops $gflags $verb --age "$r" $eflags "$PLAIN/$file" >"$base.covert.$ext" 2>"$base.err" ||
        { t_fail "$name: covert encrypt failed: $(head -1 "$base.err")"; return; }
    # shellcheck disable=SC2086
    with_keys "$set" "$SOPS" $gflags decrypt "$base.sops.$ext" >"$base.p.sops" 2>"$base.err" ||
        { t_fail "$name: sops round trip failed: $(head -1 "$base.err")"; return; }
    # shellcheck disable=SC2086
    if with_keys "$set" "$SOPS" $gflags decrypt "$base.covert.$ext" >"$base.p.s_of_c" 2>"$base.err" &&
        cmp -s "$base.p.sops" "$base.p.s_of_c"; then
        t_pass "$name: sops decrypts covert's file"
    else
        t_fail "$name: sops decrypting covert's file: $(head -1 "$base.err")"
    fi
    # shellcheck disable=SC2086
    if with_keys "$set" "$COVERT_BIN" sops $gflags decrypt "$base.sops.$ext" >"$base.p.c_of_s" 2>"$base.err" &&
        cmp -s "$base.p.sops" "$base.p.c_of_s"; then
        t_pass "$name: covert decrypts sops's file"
    else
        t_fail "$name: covert decrypting sops's file: $(head -1 "$base.err")"
    fi
    # shellcheck disable=SC2086
    if with_keys "$set" "$COVERT_BIN" sops $gflags decrypt "$base.covert.$ext" >"$base.p.c_of_c" 2>"$base.err" &&
        cmp -s "$base.p.sops" "$base.p.c_of_c"; then
        t_pass "$name: covert round trip"
    else
        t_fail "$name: covert round trip: $(head -1 "$base.err")"
    fi
    if [ "$(sops_mask "$base.sops.$ext")" = "$(sops_mask "$base.covert.$ext")" ]; then
        t_pass "$name: same layout as sops"
    else
        t_fail "$name: layout differs from sops ($base)"
        diff <(sops_mask "$base.sops.$ext") <(sops_mask "$base.covert.$ext") | head -10 >&2
    fi
    if [ "$("$SOPS" filestatus "$base.covert.$ext" 2>/dev/null)" = '{"encrypted":true}' ]; then
        t_pass "$name: sops filestatus"
    else
        t_fail "$name: sops filestatus of covert's file"
    fi
}

while read -r file gflags eflags; do
    [ -z "$file" ] && continue
    [ "$gflags" = "-" ] && gflags=""
    [ "$eflags" = "-" ] && eflags=""
    check_case "$file $gflags $eflags" x25519 "$file" "$gflags" "$eflags"
done <<'CASES'
secret.yaml - -
secret.yaml - --encrypted-regex ^(data|stringData)$
secret.yaml --indent=2 -
types.yaml - -
types.yaml --mac-only-encrypted --unencrypted-regex ^(keep_unencrypted|str)$
multi.yaml - -
rules.yaml - --encrypted-suffix _enc
rules.yaml - --unencrypted-suffix _plain
rules.yaml - --encrypted-regex ^data$
app.json - -
app.json --indent=2 -
app.json - --encrypted-regex ^(password|user)$
app.env - -
app.ini - -
blob.bin - -
CASES

# Legacy form: comment-regex rules, and the global flags the subcommand
# form ignores (sops reads them only as its own flags).
check_case "rules.yaml -e --encrypted-comment-regex" x25519 rules.yaml "" \
    "--encrypted-comment-regex sops:enc" -e
check_case "rules.yaml -e --unencrypted-comment-regex" x25519 rules.yaml "" \
    "--unencrypted-comment-regex sops:plain" -e
check_case "rules.yaml global comment regex ignored by encrypt" x25519 rules.yaml \
    "--encrypted-comment-regex sops:enc" ""
check_case "secret.yaml -e --mac-only-encrypted" x25519 secret.yaml "--mac-only-encrypted" "" -e

for set in two pq ssh; do
    check_case "secret.yaml [$set]" "$set" secret.yaml "" ""
    check_case "app.json [$set]" "$set" app.json "" ""
done
t_done
