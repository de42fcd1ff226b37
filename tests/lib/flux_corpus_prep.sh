#!/usr/bin/env bash
# Prepare a corpus repository for a Flux build with decryption: copy it to a
# scratch directory and re-encrypt every SOPS file with the real sops peer
# ($PEERS/sops-3.13.2/sops) to a test age key, because the owners' keys are
# private.
#
#   tests/lib/flux_corpus_prep.sh SRC DEST KEYFILE
#
# SRC is a corpus folder (../shared/corpus/<repo>); DEST must not exist;
# KEYFILE is created with age-keygen when missing (point SOPS_AGE_KEY_FILE
# at it). Each file keeps its plaintext keys, layout and encryption rule
# (encrypted_regex & co., mac_only_encrypted); every encrypted value becomes
# a deterministic stand-in named after its key: `SECRET_DOMAIN: ENC[...]` ->
# "value-of-SECRET_DOMAIN" (base64 of that under a top-level `data:`, so
# Secret data stays valid), list items "value-of-<key>-<n>", numbers and
# booleans a placeholder of their type, encrypted comments a placeholder
# comment. Prints "prepared N SOPS files". Nothing is written to SRC.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 SRC DEST KEYFILE" >&2
    exit 2
fi
SRC=$1 DEST=$2 KEY=$3
: "${PEERS:=$HOME/.cache/covert/peers}"
SOPS="$PEERS/sops-3.13.2/sops"
KEYGEN="$PEERS/age-1.3.1/age-keygen"
for t in "$SOPS" "$KEYGEN"; do
    [ -x "$t" ] || { echo "$0: missing peer $t (run tests/peers/build.sh)" >&2; exit 1; }
done
[ -e "$DEST" ] && { echo "$0: $DEST exists" >&2; exit 1; }
[ -f "$KEY" ] || "$KEYGEN" -o "$KEY" 2>/dev/null
RECIPIENT=$("$KEYGEN" -y "$KEY")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -a "$SRC" "$DEST"
# sops runs in WORK (it looks for .sops.yaml from its working directory), so
# the repository's creation rules stay out of the way: the file's own rule
# is passed on the command line.

# standin FILE OUT: the stand-in plaintext of one SOPS file; prints the sops
# flags that reproduce its rule, MAC_ONLY first when mac_only_encrypted.
standin() {
    python3 - "$1" "$2" <<'PY'
import base64, re, sys
src, out = sys.argv[1], sys.argv[2]
ENC = re.compile(r"ENC\[AES256_GCM,data:[^\]]*?,type:(\w+)\]")
flags, docs = [], []
for d in re.split(r"(?m)^---[ \t]*$", open(src).read()):
    m = re.search(r"(?m)^sops:[ \t]*$", d)
    if m:
        meta, d = d[m.start():], d[:m.start()]
        for rule in ("encrypted_regex", "unencrypted_regex", "encrypted_suffix", "unencrypted_suffix"):
            r = re.search(rf"(?m)^\s+{rule}:\s*(.+?)\s*$", meta)
            if r and not flags:
                v = r.group(1).strip("\"'")
                if not (rule == "unencrypted_suffix" and v == "_unencrypted"):
                    flags += ["--" + rule.replace("_", "-"), v]
        if re.search(r"(?m)^\s+mac_only_encrypted:\s*true", meta):
            flags = ["MAC_ONLY"] + flags
    top, key, item, lines = "", "", {}, []
    for line in d.split("\n"):
        t = re.match(r"^([A-Za-z0-9_.-]+):", line)
        if t:
            top = t.group(1)
        k = re.match(r"^\s*(?:- )?([^\s:#][^:#]*?):(?:\s|$)", line)
        if k:
            key = k.group(1).strip("\"'")
        def value(m, key=key, line=line):
            typ = m.group(1)
            if typ == "comment":
                return "placeholder comment"
            if typ in ("int", "float"):
                return "1" if typ == "int" else "1.5"
            if typ == "bool":
                return "true"
            name = key
            if re.match(r"^\s*- ENC\[", line):
                item[key] = item.get(key, -1) + 1
                name = f"{key}-{item[key]}"
            v = "value-of-" + name
            if top == "data":
                v = base64.b64encode(v.encode()).decode()
            return v
        lines.append(ENC.sub(value, line))
    docs.append("\n".join(lines))
open(out, "w").write("---\n".join(docs))
print("\n".join(flags))
PY
}

n=0
while IFS= read -r f; do
    rel=${f#"$DEST"/}
    base=$(basename "$f")
    mkdir -p "$WORK/$n"
    mapfile -t flags < <(standin "$f" "$WORK/$n/$base" | sed "/^$/d")
    g=()
    if [ "${flags[0]:-}" = MAC_ONLY ]; then
        g=(--mac-only-encrypted)
        flags=("${flags[@]:1}")
    fi
    if ! (cd "$WORK" && "$SOPS" "${g[@]}" encrypt --age "$RECIPIENT" "${flags[@]}" "$n/$base") \
        >"$WORK/$n/enc" 2>"$WORK/err"; then
        echo "$0: sops could not re-encrypt $rel: $(head -1 "$WORK/err")" >&2
        exit 1
    fi
    cp "$WORK/$n/enc" "$f"
    n=$((n + 1))
done < <(grep -rlZ "ENC\[AES256_GCM" "$DEST" | tr '\0' '\n' | sort)
echo "prepared $n SOPS files"
