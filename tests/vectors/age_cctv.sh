#!/usr/bin/env bash
# CCTV age conformance vectors through the CLI: `covert age -d`.
#
# For each vector in the shared vector folder (README there describes them):
#   outcome   success -> exit 0 and sha256(output) == payload;
#             any failure -> exit 1; for `payload failure` the plaintext
#             released on stdout before the error hashes to payload; with
#             -o, a failed decryption leaves no output file at all (covert
#             writes -o atomically; age would leave the partial plaintext);
#             `no match` / `HMAC failure` also need age's wording on stderr
#   peer      the same command with age v1.3.1 gives the same exit status,
#             the same released bytes on stdout and the same error head
#             (err_head in tests/lib/harness.sh)
# Identities go in a file for -i; passphrases are typed at a pseudo-terminal
# (tests/lib/pty_run.py), since age reads them from /dev/tty. Every run has a
# time limit, so a hang is a failure (exit 124), not a stuck CI job.
#
# Vector folder: $COVERT_SHARED_VECTORS/age, default <repo>/../shared/testvectors/age.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"

SHARED=${COVERT_SHARED_VECTORS:-$ROOT/../shared/testvectors}
VECTORS="$SHARED/age"
PEER="$AGE131/age"
PTY="$ROOT/tests/lib/pty_run.py"
: "${COVERT_BIN:=$ROOT/build/covert}"

if [ ! -d "$VECTORS" ]; then
    t_skip "cctv vectors" "no vector folder at $VECTORS"
    t_done
    exit 0
fi
if [ ! -x "$COVERT_BIN" ]; then
    t_fail "covert binary missing: $COVERT_BIN"
    t_done
    exit 0
fi
HAVE_PEER=1
if [ ! -x "$PEER" ]; then
    HAVE_PEER=0
    t_skip "cctv: comparison with age 1.3.1" "peer missing at $PEER (make peers)"
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 "$ROOT/tests/lib/cctv_split.py" "$VECTORS" "$W/v" >"$W/names" || {
    t_fail "cctv: could not split the vectors"
    t_done
    exit 0
}

# decrypt NAME TAG BIN...: run BIN -d on vector NAME; leaves $W/TAG.rc,
# $W/TAG.out (what was released; absent if no output file was created) and
# $W/TAG.err.
decrypt() {
    local name=$1 tag=$2
    shift 2
    local d="$W/v/$name" ids=() ans=() p
    [ -f "$d/identities" ] && ids=(-i "$d/identities")
    rm -f "$W/$tag.out" "$W/$tag.err"
    if [ ${#passphrases[@]} -eq 0 ] && [ ${#ids[@]} -gt 0 ]; then
        timeout 120 "$@" -d "${ids[@]}" "$d/body" </dev/null >"$W/$tag.out" 2>"$W/$tag.err"
        echo $? >"$W/$tag.rc"
        [ "$tag" = c ] && ! grep -qx 0 "$W/c.rc" && no_file_left "$@" -d "${ids[@]}" "$d/body"
        return
    fi
    # Passphrase mode (or no key at all): answer every prompt in order.
    for p in "${passphrases[@]}"; do ans+=(-a '(?i)passphrase[^\n]*:' "$p"); done
    python3 "$PTY" --timeout 30 "${ans[@]}" --stderr "$W/$tag.err" --tty-out "$W/$tag.tty" \
        --stdout "$W/$tag.out" -- "$@" -d "${ids[@]}" "$d/body"
    echo $? >"$W/$tag.rc"
}

# no_file_left CMD...: with -o, a failed decryption must not create the file.
no_file_left() {
    rm -f "$W/o.out"
    timeout 120 "$@" -o "$W/o.out" </dev/null >/dev/null 2>&1
    if [ -e "$W/o.out" ]; then
        t_fail "$name: a failed decryption left the -o file behind"
    else
        t_pass "$name: no -o file after the failure"
    fi
}

# released TAG: sha256 of the output file, or "absent".
released() {
    if [ -e "$W/$1.out" ]; then
        sha256sum <"$W/$1.out" | cut -d' ' -f1
    else
        echo absent
    fi
}

# check_outcome NAME: compare covert's run with the vector's expectation.
check_outcome() {
    local name=$1 rc got first why=""
    rc=$(cat "$W/c.rc")
    got=$(released c)
    first=$(head -1 "$W/c.err")
    [ "$got" = absent ] && got=$(sha256sum </dev/null | cut -d' ' -f1)
    case "$expect" in
    success)
        [ "$rc" = 0 ] || why="exit $rc, want 0 ($first)"
        [ -z "$why" ] && [ "$got" != "$payload" ] && why="output sha256 $got, want $payload"
        ;;
    "no match" | "HMAC failure" | "header failure" | "payload failure" | "armor failure")
        [ "$rc" = 1 ] || why="exit $rc, want 1"
        if [ -z "$why" ] && [ -n "$payload" ] && [ "$got" != "$payload" ]; then
            why="released sha256 $got, want $payload"
        fi
        ;;
    *) why="unknown expect value '$expect'" ;;
    esac
    # Classes the CLI's wording tells apart (age 1.3.1 messages).
    if [ -z "$why" ]; then
        case "$expect" in
        "no match")
            grep -qE '^age: error: (no identity matched any of the recipients|incorrect passphrase)$' \
                <<<"$first" || why="stderr '$first' is not a no-match error"
            ;;
        "HMAC failure")
            [ "$first" = "age: error: bad header MAC" ] || why="stderr '$first' is not a header MAC error"
            ;;
        esac
    fi
    if [ -z "$why" ]; then t_pass "$name: $expect"; else t_fail "$name: $expect: $why"; fi
}

# check_peer NAME: covert and age 1.3.1 behave the same on this vector.
check_peer() {
    local name=$1 why=""
    [ "$(cat "$W/c.rc")" = "$(cat "$W/p.rc")" ] ||
        why="exit $(cat "$W/c.rc"), age 1.3.1 exits $(cat "$W/p.rc")"
    [ -z "$why" ] && [ "$(released c)" != "$(released p)" ] &&
        why="released $(released c), age 1.3.1 released $(released p)"
    if [ -z "$why" ] && [ "$(err_head "$W/c.err")" != "$(err_head "$W/p.err")" ]; then
        why="stderr '$(head -1 "$W/c.err")', age 1.3.1 says '$(head -1 "$W/p.err")'"
    fi
    if [ -z "$why" ]; then t_pass "$name: same as age 1.3.1"; else t_fail "$name: $why"; fi
}

count=0
while read -r name; do
    count=$((count + 1))
    if [ -e "$W/v/$name.broken" ]; then
        t_fail "$name: unreadable vector: $(cat "$W/v/$name.broken")"
        continue
    fi
    expect="" payload="" unknown="" passphrases=()
    # shellcheck disable=SC1090
    . "$W/v/$name/meta"
    if [ -n "$unknown" ]; then
        t_skip "$name" "unknown header keys: $unknown"
        continue
    fi
    decrypt "$name" c "$COVERT_BIN" age
    check_outcome "$name"
    if [ "$HAVE_PEER" = 1 ]; then
        decrypt "$name" p "$PEER"
        check_peer "$name"
    fi
done <"$W/names"
[ "$count" -gt 0 ] || t_fail "cctv: no vectors in $VECTORS"
t_done
