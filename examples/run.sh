#!/usr/bin/env bash
# The main job on the bundled examples: the age workflow, the SOPS workflow
# of a GitOps repository (examples/sops), then a Flux repository checked,
# drawn and rendered with decryption in memory (examples/flux), with covert.
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
step "SOPS: encrypt a small repository by its .sops.yaml (one call, every file)"
SX="$ROOT/examples/sops"
REPO="$WORK/repo"
mkdir -p "$REPO"
cp -r "$SX/apps" "$REPO/"
"$COVERT" age-keygen -o "$WORK/second.txt" 2>/dev/null
SECOND=$("$COVERT" age-keygen -y "$WORK/second.txt")
sed -e "s/AGE_RECIPIENT/$RCPT/" -e "s/AGE_SECOND/$SECOND/" "$SX/.sops.yaml.in" >"$REPO/.sops.yaml"
cat "$WORK/key.txt" "$WORK/second.txt" >"$WORK/keys.txt"
export SOPS_AGE_KEY_FILE="$WORK/keys.txt"
(cd "$REPO" && "$COVERT" sops encrypt -i apps)
grep -c 'ENC\[AES256_GCM' "$REPO/apps/demo/secret.yaml" | sed 's/^/secret.yaml: encrypted values: /'
sed -n '1,12p' "$REPO/apps/demo/secret.yaml"

step "SOPS: decrypt every file back and compare with the originals"
for f in secret.yaml config.json app.env; do
    (cd "$REPO" && "$COVERT" sops decrypt "apps/demo/$f") >"$WORK/plain"
    echo "$f: $(cmp -s "$WORK/plain" "$SX/apps/demo/$f" && echo identical || echo re-rendered as sops renders it)"
done

step "SOPS: key groups (2 of 2 for JSON and dotenv): one key alone is not enough"
if SOPS_AGE_KEY_FILE="$WORK/key.txt" "$COVERT" sops decrypt "$REPO/apps/demo/config.json" 2>/dev/null; then
    echo "unexpected success" >&2
    exit 1
fi
echo "config.json with one group's key: refused (exit 128), as sops does"

step "SOPS: change a value in place, extract it, run a command with the env file"
"$COVERT" sops set "$REPO/apps/demo/secret.yaml" '["stringData"]["password"]' '"new password"'
"$COVERT" sops decrypt --extract '["stringData"]["password"]' "$REPO/apps/demo/secret.yaml"
echo
"$COVERT" sops exec-env "$REPO/apps/demo/app.env" 'echo "LOG_LEVEL from the encrypted file: $LOG_LEVEL"'
echo "filestatus: $("$COVERT" sops filestatus "$REPO/apps/demo/secret.yaml")"

step "Flux: a repository rendered as kustomize-controller would (examples/flux)"
FX="$ROOT/examples/flux"
FREPO="$WORK/flux"
cp -r "$FX" "$FREPO"
sed "s/AGE_RECIPIENT/$RCPT/" "$FX/.sops.yaml.in" >"$FREPO/.sops.yaml"
(cd "$FREPO" && "$COVERT" sops encrypt -i kubernetes/vars/cluster-secrets.sops.yaml)
ENTRY=(--entry kubernetes/flux/cluster.yaml)
"$COVERT" check "$FREPO" "${ENTRY[@]}" --identity "$WORK/key.txt"
echo
"$COVERT" tree "$FREPO" "${ENTRY[@]}" --identity "$WORK/key.txt"
echo
"$COVERT" build "$FREPO" "${ENTRY[@]}" --identity "$WORK/key.txt" --ks flux-system/demo

echo
echo "main job: ok"
