#!/usr/bin/env bash
# The main job on the bundled example: the age workflow with covert.
# Usage: examples/run.sh [BUILD_DIR]. Everything is written to a temporary
# directory that is removed at the end.
set -euo pipefail
O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COVERT="$ROOT/$O/covert"
EX="$ROOT/examples/age"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "generate an X25519 key pair and a post-quantum one"
"$COVERT" age-keygen -o "$WORK/key.txt"
"$COVERT" age-keygen -pq -o "$WORK/pq.txt" 2>/dev/null
RCPT=$("$COVERT" age-keygen -y "$WORK/key.txt")
PQ=$("$COVERT" age-keygen -y "$WORK/pq.txt")
echo "recipient: $RCPT"
echo "pq recipient: ${PQ:0:40}... (${#PQ} characters)"

step "encrypt the example Secret to the X25519 key (binary) and armored"
"$COVERT" age -r "$RCPT" -o "$WORK/message.age" "$EX/message.txt"
"$COVERT" age -a -r "$RCPT" -o "$WORK/message.age.asc" "$EX/message.txt"
head -3 "$WORK/message.age.asc"

step "encrypt to the post-quantum recipient"
"$COVERT" age -r "$PQ" -o "$WORK/message.pq.age" "$EX/message.txt"

step "inspect"
"$COVERT" age-inspect "$WORK/message.pq.age"

step "decrypt all three and compare with the original"
for f in message.age message.age.asc; do
    "$COVERT" age -d -i "$WORK/key.txt" -o "$WORK/out" "$WORK/$f"
    cmp "$EX/message.txt" "$WORK/out" && echo "$f: identical"
done
"$COVERT" age -d -i "$WORK/pq.txt" -o "$WORK/out" "$WORK/message.pq.age"
cmp "$EX/message.txt" "$WORK/out" && echo "message.pq.age: identical"

step "a wrong key fails cleanly and leaves no output file"
"$COVERT" age-keygen -o "$WORK/other.txt" 2>/dev/null
if "$COVERT" age -d -i "$WORK/other.txt" -o "$WORK/nothing" "$WORK/message.age"; then
    echo "unexpected success" >&2
    exit 1
fi
test ! -e "$WORK/nothing" && echo "no output file was created"

step "stream 64 MiB through encrypt | decrypt on all cores"
head -c $((64 << 20)) /dev/urandom >"$WORK/big"
"$COVERT" age -r "$RCPT" "$WORK/big" | "$COVERT" age -d -i "$WORK/key.txt" | cmp - "$WORK/big" &&
    echo "64 MiB round trip identical"
echo
echo "main job: ok"
