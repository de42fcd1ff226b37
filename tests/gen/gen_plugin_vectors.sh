#!/usr/bin/env bash
# Generate testvectors/age-plugin/ with the real age v1.3.1 tools and plugins
# (built by the peers script into $PEERS/age-1.3.1):
#
#   age-plugin-batchpass (cmd/age-plugin-batchpass) and age-plugin-pq
#   (extra/age-plugin-pq: GOBIN=$PEERS/age-1.3.1 go install
#   filippo.io/age/extra/age-plugin-pq@v1.3.1).
#
# Files:
#   plaintext.txt            the payload of every .age file here
#   batchpass.passphrase     passphrase given to age-plugin-batchpass
#   batchpass.age            age -e -j batchpass (scrypt stanza made by the plugin)
#   pq-key.txt               age-keygen -pq (native AGE-SECRET-KEY-PQ-1 identity)
#   pq-recipient.txt         its age1pq1 recipient (age-keygen -y)
#   pq-plugin-identity.txt   the same key as AGE-PLUGIN-PQ-1 (age-plugin-pq -identity)
#   pq-other-recipient.txt   a second, unrelated age1pq1 recipient
#   pq-native.age            age -e -r OTHER -r OURS (native mlkem768x25519 stanzas)
#   pq-via-plugin.age        age -e -i pq-plugin-identity.txt (wrapped by age-plugin-pq)
#
# Usage: tests/gen/gen_plugin_vectors.sh   (rewrites every file, new keys)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-$HOME/.cache/covert/peers}
BIN=$PEERS/age-1.3.1
OUT=$ROOT/testvectors/age-plugin
for t in age age-keygen age-plugin-batchpass age-plugin-pq; do
    [ -x "$BIN/$t" ] || { echo "missing $BIN/$t (run make peers)" >&2; exit 1; }
done
export PATH="$BIN:/usr/bin:/bin"
mkdir -p "$OUT"
cd "$OUT"
rm -f ./*.age ./*.txt ./*.passphrase

printf 'covert plugin vector: hello from age v1.3.1\n' >plaintext.txt
printf 'correct horse battery staple covert' >batchpass.passphrase

# A low work factor keeps the tests fast; the plugin accepts up to 30.
AGE_PASSPHRASE_FD=3 AGE_PASSPHRASE_WORK_FACTOR=10 \
    age -e -j batchpass -o batchpass.age plaintext.txt 3<batchpass.passphrase

age-keygen -pq -o pq-key.txt 2>/dev/null
age-keygen -y pq-key.txt >pq-recipient.txt
age-plugin-pq -identity pq-key.txt >pq-plugin-identity.txt
age-keygen -pq 2>/dev/null | age-keygen -y >pq-other-recipient.txt

age -e -r "$(cat pq-other-recipient.txt)" -r "$(cat pq-recipient.txt)" \
    -o pq-native.age plaintext.txt
age -e -i pq-plugin-identity.txt -o pq-via-plugin.age plaintext.txt

# Self-check with the same tools before anything is committed.
for f in pq-native.age pq-via-plugin.age; do
    age -d -i pq-key.txt "$f" | cmp - plaintext.txt
    age -d -i pq-plugin-identity.txt "$f" | cmp - plaintext.txt
done
AGE_PASSPHRASE_FD=3 age -d -j batchpass batchpass.age 3<batchpass.passphrase | cmp - plaintext.txt
echo "wrote $(ls | wc -l) files to $OUT"
