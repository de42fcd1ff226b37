#!/usr/bin/env bash
# CLI behaviour of `covert age` / `covert age-keygen`, held to age v1.3.1: every
# case runs the same command line with both (same directory, same files) and
# needs the same exit status and the same first stderr line. The status the
# case is about is also asserted on the peer, so a case that stops testing
# what it claims fails loudly.
#
#   usage errors     -e with -d, -a with -d, -p with -d/-r/-R/-i, -r/-R with -d,
#                    -i without -e when encrypting, missing recipients, too
#                    many INPUT arguments, unknown flag (2), -h (0), no args (1)
#   files            -o onto INPUT / -i / -R refused; a failed run with -o
#                    leaves no file; missing input/identity/recipient files
#   terminal         binary ciphertext or plaintext refused on a terminal,
#                    armored/text allowed, "-o -" forces (tests/lib/pty_run.py);
#                    passphrase mismatch, passphrase needed without a terminal
#   age-keygen       -o creates 0600 and prints the public key, refuses to
#                    overwrite, -y, -pq -y refused, usage errors
#   misc             duplicate -r/-i warnings, --version exits 0, passphrase
#                    files vs identities
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"

PTY="$ROOT/tests/lib/pty_run.py"
: "${COVERT_BIN:=$ROOT/build/covert}"

if [ ! -x "$COVERT_BIN" ]; then
    t_fail "covert binary missing: $COVERT_BIN"
    t_done
    exit 0
fi
if [ ! -x "$AGE131/age" ] || [ ! -x "$AGE131/age-keygen" ]; then
    t_skip "age CLI behaviour" "age 1.3.1 missing at $AGE131 (make peers)"
    t_done
    exit 0
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

# cmd_of WHO TOOL: CMD = command line of TOOL for WHO (covert or peer).
cmd_of() {
    if [ "$1" = covert ]; then CMD=("$COVERT_BIN" "$2"); else CMD=("$AGE131/$2"); fi
}

# Fixtures, all made by the peer.
"$AGE131/age-keygen" -o key 2>/dev/null
"$AGE131/age-keygen" -o other.key 2>/dev/null
R=$("$AGE131/age-keygen" -y key)
printf 'hello, terminal\n' >pt
head -c 1000 /dev/urandom >bin.pt
"$AGE131/age" -r "$R" -o ct pt
"$AGE131/age" -r "$R" -o bin.ct bin.pt
echo "$R" >recipients
python3 "$PTY" --timeout 60 --stderr /dev/null -a '(?i)passphrase[^\n]*:' pw -a '(?i)passphrase[^\n]*:' pw \
    -- "$AGE131/age" -p -o pass.ct pt
[ -s pass.ct ] || t_fail "fixture: age 1.3.1 could not make a passphrase file"
# Pristine copies: cases that may clobber a fixture restore them first.
mkdir pristine && cp -p key other.key pt bin.pt ct bin.ct recipients pass.ct pristine/
restore() { cp -p pristine/* .; }

# first_line FILE: the first stderr line, cut to $CUT colon-separated fields
# when the rest is an OS error text that is not part of the contract.
first_line() {
    if [ -n "${CUT:-}" ]; then head -1 "$1" | cut -d: -f"1-$CUT"; else err_head "$1"; fi
}

# run WHO TOOL ARGS...: run in $W with stdin from /dev/null; leaves WHO.rc,
# WHO.out, WHO.err. $RESET (a command) runs first.
run() {
    local who=$1 tool=$2 CMD
    shift 2
    ${RESET:-:}
    cmd_of "$who" "$tool"
    timeout 60 "${CMD[@]}" "$@" </dev/null >"$who.out" 2>"$who.err"
    echo $? >"$who.rc"
}

# compare LABEL WANT_RC: peer exit == WANT_RC, covert == peer, first lines equal.
compare() {
    local label=$1 want=$2 prc crc
    prc=$(cat peer.rc) crc=$(cat covert.rc)
    if [ "$prc" != "$want" ]; then
        t_fail "$label: age 1.3.1 exits $prc, the case expects $want ($(head -1 peer.err))"
    elif [ "$crc" != "$prc" ]; then
        t_fail "$label: exit $crc, age 1.3.1 exits $prc ($(head -1 covert.err))"
    elif [ "$(first_line covert.err)" != "$(first_line peer.err)" ]; then
        t_fail "$label: stderr '$(first_line covert.err)', age 1.3.1 says '$(first_line peer.err)'"
    else
        t_pass "$label"
    fi
}

# case_ TOOL LABEL WANT_RC ARGS...: run with both and compare.
case_() {
    local tool=$1 label=$2 want=$3
    shift 3
    run peer "$tool" "$@"
    run covert "$tool" "$@"
    compare "$label" "$want"
}
age_case() { case_ age "$@"; }
keygen_case() { case_ age-keygen "$@"; }

# ---- usage errors -----------------------------------------------------------------
age_case "no arguments prints usage" 1
age_case "-h" 0 -h
age_case "--help" 0 --help
age_case "unknown flag" 2 --bogus-flag
age_case "unknown short flag" 2 -x
age_case "-e with -d" 1 -e -d -i key ct
age_case "-a with -d" 1 -d -a -i key ct
age_case "-p with -d" 1 -d -p ct
age_case "-r with -d" 1 -d -r "$R" ct
age_case "-R with -d" 1 -d -R recipients ct
age_case "-i without -e when encrypting" 1 -i key pt
age_case "-i and -R - without -e" 1 -R - -i - pt
age_case "missing recipients" 1 pt
age_case "missing recipients with -a -o" 1 -a -o out pt
age_case "-p with -r" 1 -p -r "$R" pt
age_case "-p with -R" 1 -p -R recipients pt
age_case "-p with -e -i" 1 -e -p -i key pt
age_case "too many INPUT arguments" 1 -r "$R" pt pt
age_case "too many INPUT arguments, flag after INPUT" 1 -r "$R" pt -o out
age_case "--version" 0 --version
[ -s covert.out ] && t_pass "--version prints a version" || t_fail "--version prints nothing"
age_case "double-dash long flags" 0 --decrypt --identity key --output out ct
age_case "single-dash long flags" 0 -decrypt -identity key -output out ct
age_case "unknown recipient type" 1 -r bogus pt
age_case "not passphrase-encrypted, no -i" 1 -d ct
age_case "passphrase file with -i" 1 -d -i key pass.ct
age_case "no identity matched" 1 -d -i other.key ct
age_case "-i - without INPUT: stdin used twice" 1 -d -i -
age_case "duplicate -r warns" 0 -r "$R" -r "$R" -o out pt
age_case "duplicate -i warns" 0 -d -i key -i key -o out ct
age_case "duplicate -R warns" 0 -R recipients -R recipients -o out pt
CUT=3 age_case "missing input file" 1 -d -i key no-such-file
CUT=3 age_case "missing identity file" 1 -d -i no-such-file ct
CUT=3 age_case "missing recipients file" 1 -R no-such-file pt

# ---- output file --------------------------------------------------------------------
RESET=restore age_case "-o onto INPUT refused" 1 -r "$R" -o pt pt
cmp -s pt pristine/pt && t_pass "-o onto INPUT leaves INPUT alone" || t_fail "-o onto INPUT changed INPUT"
RESET=restore age_case "-o onto INPUT by another path refused" 1 -r "$R" -o ./pt "$W/pt"
RESET=restore age_case "-o onto -i file refused" 1 -d -i key -o key ct
cmp -s key pristine/key && t_pass "-o onto -i file leaves it alone" || t_fail "-o onto -i file changed it"
RESET=restore age_case "-o onto -R file refused" 1 -R recipients -o recipients pt
restore

# no_file LABEL [FILE]: covert's run left no output file (default out.covert).
no_file() {
    if [ -e "${2:-out.covert}" ]; then t_fail "$1: covert left an output file"; else t_pass "$1: no output file"; fi
}
# Each side writes its own -o path so the checks cannot see each other's file.
for who in peer covert; do
    rm -f "out.$who"
    cmd_of "$who" age
    "${CMD[@]}" -d -i other.key -o "out.$who" ct </dev/null >"$who.out" 2>"$who.err"
    echo $? >"$who.rc"
done
compare "failed decrypt with -o (no identity matched)" 1
[ -e out.peer ] && t_fail "case broken: age 1.3.1 left a file"
no_file "failed decrypt with -o (no identity matched)"
head -c 200 /dev/urandom >garbage
for who in peer covert; do
    rm -f "out.$who"
    cmd_of "$who" age
    "${CMD[@]}" -d -i key -o "out.$who" garbage </dev/null >"$who.out" 2>"$who.err"
    echo $? >"$who.rc"
done
compare "failed decrypt with -o (not an age file)" 1
no_file "failed decrypt with -o (not an age file)"
for who in peer covert; do
    rm -f "out.$who"
    cmd_of "$who" age
    "${CMD[@]}" -r bogus -o "out.$who" pt </dev/null >"$who.out" 2>"$who.err"
    echo $? >"$who.rc"
done
compare "failed encrypt with -o (bad recipient)" 1
no_file "failed encrypt with -o (bad recipient)"
# An empty plaintext still creates the -o file (age >= 1.2.0).
: >empty
"$AGE131/age" -r "$R" -o empty.ct empty
rm -f out.covert
"$COVERT_BIN" age -d -i key -o out.covert empty.ct 2>covert.err
if [ -e out.covert ] && [ ! -s out.covert ]; then
    t_pass "empty plaintext creates an empty -o file"
else
    t_fail "empty plaintext: no empty -o file ($(head -1 covert.err))"
fi

# ---- terminal -----------------------------------------------------------------------
# tty_case LABEL WANT_RC ARGS...: stdin and stdout are a terminal.
tty_case() {
    local label=$1 want=$2 who
    shift 2
    for who in peer covert; do
        cmd_of "$who" age
        python3 "$PTY" --timeout 60 --stderr "$who.err" --tty-out "$who.tty" -- "${CMD[@]}" "$@"
        echo $? >"$who.rc"
    done
    compare "$label" "$want"
}
tty_case "binary ciphertext to a terminal refused" 1 -r "$R" pt
tty_case "armored ciphertext to a terminal" 0 -a -r "$R" pt
grep -q -- "-----BEGIN AGE ENCRYPTED FILE-----" covert.tty && t_pass "armored ciphertext reaches the terminal" ||
    t_fail "armored ciphertext not on the terminal"
tty_case "binary ciphertext forced with -o -" 0 -r "$R" -o - pt
tty_case "text plaintext to a terminal" 0 -d -i key ct
grep -q "hello, terminal" covert.tty && t_pass "text plaintext reaches the terminal" ||
    t_fail "text plaintext not on the terminal"
tty_case "binary plaintext to a terminal refused" 1 -d -i key bin.ct
tty_case "binary plaintext forced with -o -" 0 -d -i key -o - bin.ct

# Passphrases.
p='(?i)passphrase[^\n]*:'
for who in peer covert; do
    rm -f "out.$who"
    cmd_of "$who" age
    python3 "$PTY" --timeout 60 --stderr "$who.err" -a "$p" one -a "$p" two -- "${CMD[@]}" -p -o "out.$who" pt
    echo $? >"$who.rc"
done
compare "passphrases that do not match" 1
no_file "passphrases that do not match"
for who in peer covert; do
    cmd_of "$who" age
    python3 "$PTY" --timeout 60 --stderr "$who.err" -a "$p" wrong -- "${CMD[@]}" -d -o "out.$who" pass.ct
    echo $? >"$who.rc"
done
compare "wrong passphrase" 1
for who in peer covert; do
    cmd_of "$who" age
    python3 "$PTY" --timeout 60 --stderr "$who.err" -a "$p" pw -- "${CMD[@]}" -d -o "out.$who" pass.ct
    echo $? >"$who.rc"
done
compare "right passphrase" 0
cmp -s out.covert pt && t_pass "passphrase file decrypts" || t_fail "passphrase file: wrong plaintext"
# No terminal at all: setsid leaves no controlling terminal, stdin is a file.
# notty_case LABEL WANT_RC ARGS...: run without a controlling terminal.
notty_case() {
    local label=$1 want=$2 who
    shift 2
    for who in peer covert; do
        rm -f out
        cmd_of "$who" age
        timeout 60 setsid -w "${CMD[@]}" "$@" </dev/null >"$who.out" 2>"$who.err"
        echo $? >"$who.rc"
    done
    CUT=3 compare "$label" "$want"
}
notty_case "passphrase encrypt without a terminal" 1 -p -o out pt
no_file "passphrase encrypt without a terminal" out
notty_case "passphrase decrypt without a terminal" 1 -d -o out pass.ct

# ---- age-keygen -----------------------------------------------------------------------
# keygen_new WHO: -o NEW creates 0600 and prints "Public key: <the -y recipient>".
for who in peer covert; do
    for pq in "" -pq; do
        f="new$pq.$who"
        rm -f "$f"
        cmd_of "$who" age-keygen
        "${CMD[@]}" $pq -o "$f" >"$who.out" 2>"$who.err"
        rc=$?
        label="age-keygen $pq -o ($who)"
        if [ "$rc" != 0 ]; then
            t_fail "$label: exit $rc: $(head -1 "$who.err")"
            continue
        fi
        mode=$(stat -c %a "$f")
        [ "$mode" = 600 ] && t_pass "$label creates mode 0600" || t_fail "$label: mode $mode, want 600"
        want="Public key: $("$AGE131/age-keygen" -y "$f")"
        [ "$(head -1 "$who.err")" = "$want" ] && t_pass "$label prints the public key on stderr" ||
            t_fail "$label: stderr '$(head -1 "$who.err")', want '$want'"
        [ ! -s "$who.out" ] && t_pass "$label: nothing on stdout" || t_fail "$label: wrote to stdout"
    done
done
cp key key.orig
keygen_case "age-keygen -o refuses to overwrite" 1 -o key
cmp -s key key.orig && t_pass "age-keygen -o left the existing file alone" || t_fail "age-keygen -o overwrote a file"
keygen_case "age-keygen -y" 0 -y key
cmp -s covert.out peer.out && t_pass "age-keygen -y output" || t_fail "age-keygen -y output differs"
RESET="rm -f y.out" keygen_case "age-keygen -y -o" 0 -y -o y.out key
[ "$(cat y.out 2>/dev/null)" = "$R" ] && t_pass "age-keygen -y -o writes the recipient" || t_fail "age-keygen -y -o"
keygen_case "age-keygen -y of a non-key file" 1 -y pt
keygen_case "age-keygen -y of an empty file" 1 -y empty
keygen_case "age-keygen -pq -y refused" 1 -pq -y key
keygen_case "age-keygen too many arguments" 1 a b
keygen_case "age-keygen unknown flag" 2 --bogus-flag
keygen_case "age-keygen -h" 0 -h
keygen_case "age-keygen --version" 0 --version
[ -s covert.out ] && t_pass "age-keygen --version prints a version" || t_fail "age-keygen --version prints nothing"
CUT=3 keygen_case "age-keygen -y of a missing file" 1 -y no-such-file

# -o targets that are not plain files (covert writes regular files through a
# temporary file and a rename; these must never be replaced by one).
cov() { "$COVERT_BIN" age "$@" </dev/null 2>/dev/null; }
cov -r "$R" -o /dev/null pt && [ -c /dev/null ] &&
    t_pass "-o /dev/null leaves the device alone" || t_fail "-o /dev/null"
cov -r "$R" -o keep.ct pt
: >keep.pt && chmod 600 keep.pt && cov -d -i key -o keep.pt keep.ct &&
    [ "$(stat -c %a keep.pt)" = 600 ] && cmp -s keep.pt pt &&
    t_pass "-o over an existing file keeps its mode" || t_fail "-o keeps the mode of the file it replaces"
rm -f link.pt && ln -s keep.pt link.pt && cov -d -i key -o link.pt keep.ct &&
    [ -L link.pt ] && cmp -s keep.pt pt &&
    t_pass "-o through a symlink writes its target" || t_fail "-o through a symlink"
rm -f fifo && mkfifo fifo && { cat fifo >fifo.out & } && cov -d -i key -o fifo keep.ct && wait &&
    [ -p fifo ] && cmp -s fifo.out pt && t_pass "-o to a FIFO writes into it" || t_fail "-o to a FIFO"
# A secret key passed as a recipient is refused without being echoed.
SK=$(grep '^AGE-SECRET-KEY-' key)
"$COVERT_BIN" age -r "$SK" pt >/dev/null 2>sk.err </dev/null
if [ $? = 1 ] && ! grep -q "$SK" sk.err && grep -q "unknown recipient type" sk.err; then
    t_pass "a secret key given with -r is not echoed"
else
    t_fail "a secret key given with -r: $(head -1 sk.err)"
fi
# Interrupted mid-decryption: the temporary -o file (partial plaintext) is
# removed before the signal takes effect.
head -c $((4 << 20)) /dev/urandom >sig.pt && cov -r "$R" -o sig.ct sig.pt
rm -f sig.fifo sig.out && mkfifo sig.fifo
{ head -c 2000000 sig.ct; sleep 5; } >sig.fifo &
feeder=$!
"$COVERT_BIN" age -d -i key -o sig.out sig.fifo 2>/dev/null &
dec=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do ls -a | grep -q '^\.sig\.out\.covert-' && break; sleep 0.2; done
ls -a | grep -q '^\.sig\.out\.covert-' && started=1 || started=0
kill -INT $dec 2>/dev/null
wait $dec 2>/dev/null
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
if [ "$started" = 1 ] && ! ls -a | grep -q 'sig\.out'; then
    t_pass "interrupted decryption leaves no output or temporary file"
else
    t_fail "interrupted decryption (temporary file seen: $started; left: $(ls -a | grep sig.out | tr '\n' ' '))"
fi
ls -a | grep -q '\.covert-' && t_fail "temporary files left behind" || t_pass "no temporary files left behind"

t_done
