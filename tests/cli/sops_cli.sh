#!/usr/bin/env bash
# The sops command line: covert and sops v3.13.2 run the same commands on
# copies of the same files; the resulting files must decrypt to the same
# bytes (in both tools), and errors must give sops's exit code and message.
#   set / unset (values, maps, indexes, --idempotent), rotate, edit (with a
#   scripted editor; unchanged values keep their ciphertext), exec-env,
#   exec-file (FIFO and --no-fifo), filestatus, --extract, --output,
#   --in-place, stdin with --filename-override, and the usage errors.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
# shellcheck source=../lib/sops_env.sh
. "$ROOT/tests/lib/sops_env.sh"
"$AGE131/age-keygen" -o "$TMP/k.txt" 2>/dev/null
R=$("$AGE131/age-keygen" -y "$TMP/k.txt")
export SOPS_AGE_KEY_FILE="$TMP/k.txt"
cd "$TMP" || exit 1

# same_after NAME FILE CMD_ARGS...: run `sops CMD_ARGS FILE_COPY` with each
# tool on its own copy; both results decrypt (with sops) to the same bytes.
same_after() {
    local name=$1 file=$2
    shift 2
    cp "$file" s.yaml
    cp "$file" c.yaml
    local args=("$@")
    "$SOPS" "${args[@]/FILE/s.yaml}" >s.out 2>s.err
    local src=$?
    "$COVERT_BIN" sops "${args[@]/FILE/c.yaml}" >c.out 2>c.err
    local crc=$?
    if [ $src -ne $crc ]; then
        t_fail "$name: exit covert $crc, sops $src ($(head -1 c.err))"
        return
    fi
    if "$SOPS" decrypt s.yaml >s.plain 2>/dev/null && "$SOPS" decrypt c.yaml >c.plain 2>/dev/null &&
        cmp -s s.plain c.plain && "$COVERT_BIN" sops decrypt c.yaml | cmp -s - c.plain; then
        t_pass "$name"
    else
        t_fail "$name: results differ"
    fi
}

# same_error NAME CMD_ARGS...: same exit code and first stderr line.
same_error() {
    local name=$1
    shift
    "$SOPS" "$@" >/dev/null 2>s.err
    local src=$?
    "$COVERT_BIN" sops "$@" >/dev/null 2>c.err
    local crc=$?
    if [ $src -eq $crc ] && [ "$(grep -v 'level=' s.err | head -1)" = "$(head -1 c.err)" ]; then
        t_pass "$name (exit $crc)"
    else
        t_fail "$name: covert exit $crc '$(head -1 c.err)', sops exit $src '$(grep -v 'level=' s.err | head -1)'"
    fi
}

"$SOPS" encrypt --age "$R" "$PLAIN/secret.yaml" >enc.yaml
"$SOPS" encrypt --age "$R" "$PLAIN/types.yaml" >types.yaml

same_after "set a string" enc.yaml set FILE '["stringData"]["username"]' '"root"'
same_after "set a number (float, as sops)" enc.yaml set FILE '["stringData"]["port"]' '8080'
same_after "set a map" enc.yaml set FILE '["extra"]' '{"a": 1, "b": [true, null]}'
same_after "set past the end of a list" types.yaml set FILE '["list"][9]' '"appended"'
same_after "set --idempotent unchanged" enc.yaml set --idempotent FILE '["kind"]' '"Secret"'
same_after "unset a key" enc.yaml unset FILE '["stringData"]["password"]'
same_after "unset a list item" types.yaml unset FILE '["list"][1]'
same_after "unset --idempotent missing key" enc.yaml unset --idempotent FILE '["nope"]'
same_after "rotate -i" enc.yaml rotate -i FILE
same_error "unset a missing key" unset enc.yaml '["nope"]'
same_error "set with a bad path" set enc.yaml 'stringData' '"x"'
same_error "set with bad JSON" set enc.yaml '["a"]' '{bad'
same_error "set an array value" set enc.yaml '["a"]' '[1]'
same_error "decrypt a missing file" decrypt missing.yaml
same_error "decrypt a plain file" decrypt "$PLAIN/secret.yaml"
same_error "encrypt an encrypted file" encrypt --age "$R" enc.yaml
same_error "encrypt without keys" encrypt "$PLAIN/secret.yaml"
same_error "--in-place with --output" decrypt -i --output x enc.yaml
same_error "duplicate decryption order" decrypt --decryption-order age,age enc.yaml
same_error "extract a missing key" decrypt --extract '["nope"]' enc.yaml
same_error "extract a bad path" decrypt --extract 'nope' enc.yaml
# yaml.v3 reads a plain integer above 2^63-1 as a uint64, a type sops's walk
# refuses: encrypting fails at the walk (exit 23); a file that carries one
# next to its metadata fails to decrypt, exec, set and rotate (exit 25);
# filestatus and kustomize-style reading are unaffected.
printf 'big: 10000000000000000000\nhex: 0x8000000000000000\nmax: 18446744073709551615\nok: x\n' >uint.yaml
same_error "encrypt a uint64" encrypt --age "$R" uint.yaml
{ echo 'big: 18446744073709551615'; cat enc.yaml; } >uintenc.yaml
same_error "decrypt a file holding a uint64" decrypt uintenc.yaml
same_error "exec-env on a file holding a uint64" exec-env uintenc.yaml true
same_error "set in a file holding a uint64" set uintenc.yaml '["a"]' '"x"'
same_error "filestatus of a file holding a uint64" filestatus uintenc.yaml
same_error "decrypt a plain file holding a uint64" decrypt uint.yaml

# Damaged values: sops's message and exit code, word for word (sops names
# no path). One exception, by design: for a value that is not an ENC string
# sops prints the value, which may be a plaintext secret; covert leaves it out.
damage() { # NAME PYTHON-RE REPLACEMENT: the username's ENC string edited
    python3 - enc.yaml "dmg.yaml" "$2" "$3" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.strip().startswith("username:"))
lines[i] = re.sub(sys.argv[3], sys.argv[4], lines[i], count=1)
open(sys.argv[2], "w").write("\n".join(lines))
PY
    same_error "decrypt with $1" decrypt dmg.yaml
}
damage "a bad tag" 'tag:.' 'tag:A'
damage "a short tag" 'tag:[^,]*' 'tag:AAAA'
damage "a stray byte in the data" 'data:..' 'data:!!'
damage "bad padding in the data" 'data:[^,]*' 'data:QUJD='
damage "data padded in the middle" 'data:[^,]*' 'data:QQ==QUJD'
damage "bad base64 in the iv" 'iv:...' 'iv:$$$'
damage "bad base64 in the tag" 'tag:...' 'tag:$$$'
damage "an unknown type" 'type:str' 'type:blob'
damage "a number where an ENC string belongs" 'ENC\[[^]]*\]' '42'
damage "a boolean where an ENC string belongs" 'ENC\[[^]]*\]' 'true'
python3 - enc.yaml dmg.yaml <<'PY'
import re, sys
t = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(re.sub(r"(username: )ENC\[[^]]*\]", r"\1hunter2", t, count=1))
PY
"$SOPS" decrypt dmg.yaml >/dev/null 2>s.err
src=$?
"$COVERT_BIN" sops decrypt dmg.yaml >/dev/null 2>c.err
crc=$?
if [ $src = $crc ] && grep -q 'Input string hunter2 does not match' s.err &&
    [ "$(head -1 c.err)" = "Error decrypting tree: Error walking tree: Could not decrypt value: Input string does not match sops' data format" ]; then
    t_pass "decrypt of a plaintext value: sops's exit code and message, without the value"
else
    t_fail "plaintext value: covert $crc '$(head -1 c.err)', sops $src '$(grep -v level= s.err | head -1)'"
fi
printf 'a: 1\n# plain comment\nb: 2\n' >cre.yaml
"$SOPS" -e --age "$R" --unencrypted-comment-regex AES cre.yaml >/dev/null 2>s.err
src=$?
"$COVERT_BIN" sops -e --age "$R" --unencrypted-comment-regex AES cre.yaml >/dev/null 2>c.err
crc=$?
mask_enc() { grep -v level= "$1" | head -1 | sed 's/ENC\[[^]]*\]/ENC[...]/'; }
if [ $src = $crc ] && [ "$(mask_enc s.err)" = "$(mask_enc c.err)" ]; then
    t_pass "an encrypted comment the unencrypted-comment-regex matches (exit $crc)"
else
    t_fail "comment regex: covert $crc '$(mask_enc c.err)', sops $src '$(mask_enc s.err)'"
fi

# set keeps unchanged values' ciphertexts (the IV stash): exactly the same
# ciphertexts change as when sops does it (the value, the MAC, and a
# comment sops moves).
cp enc.yaml iv_c.yaml
cp enc.yaml iv_s.yaml
"$COVERT_BIN" sops set iv_c.yaml '["stringData"]["username"]' '"other"'
"$SOPS" set iv_s.yaml '["stringData"]["username"]' '"other"'
count() { diff <(grep -o 'ENC\[[^]]*\]' enc.yaml) <(grep -o 'ENC\[[^]]*\]' "$1") | grep -c '^>'; }
if [ "$(count iv_c.yaml)" -eq "$(count iv_s.yaml)" ] && [ "$(count iv_c.yaml)" -lt 5 ]; then
    t_pass "set re-encrypts only what sops re-encrypts ($(count iv_c.yaml) ciphertexts)"
else
    t_fail "set changed $(count iv_c.yaml) ciphertexts, sops $(count iv_s.yaml)"
fi

# edit with a scripted editor.
cat >ed.sh <<'EOF'
#!/bin/sh
sed -i 's/namespace: default/namespace: edited/' "$1"
EOF
chmod +x ed.sh
cp enc.yaml e1.yaml
cp enc.yaml e2.yaml
EDITOR=./ed.sh "$SOPS" edit e1.yaml 2>/dev/null
EDITOR=./ed.sh "$COVERT_BIN" sops edit e2.yaml
if "$SOPS" decrypt e1.yaml | cmp -s - <("$SOPS" decrypt e2.yaml); then t_pass "edit"
else t_fail "edit: results differ"; fi
EDITOR=true "$SOPS" edit enc.yaml >/dev/null 2>&1
src=$?
EDITOR=true "$COVERT_BIN" sops edit enc.yaml >/dev/null 2>&1
crc=$?
if [ $src -eq 200 ] && [ $crc -eq 200 ]; then t_pass "edit without change exits 200"
else t_fail "edit without change: covert $crc sops $src"; fi
if ! ls /dev/shm 2>/dev/null | grep -q '^covert-'; then t_pass "edit leaves no plaintext file"
else t_fail "edit left a file in /dev/shm"; fi

# exec-env / exec-file
"$SOPS" encrypt --age "$R" "$PLAIN/app.env" >app.env
for tool in sops covert; do
    if [ $tool = sops ]; then run=("$SOPS"); else run=("$COVERT_BIN" sops); fi
    "${run[@]}" exec-env app.env 'echo "$DB_USER:$DB_PASSWORD"; exit 7' >env.$tool 2>/dev/null
    echo "rc=$?" >>env.$tool
    "${run[@]}" exec-file app.env 'cat {}' >fifo.$tool 2>/dev/null
    "${run[@]}" exec-file --no-fifo --filename x.env app.env 'cat {}; basename {}' >file.$tool 2>/dev/null
done
for k in env fifo file; do
    if cmp -s $k.sops $k.covert; then t_pass "exec ($k)"; else t_fail "exec ($k) differs"; fi
done

# filestatus, extract, output, stdin
for f in enc.yaml "$PLAIN/secret.yaml"; do
    if [ "$("$SOPS" filestatus "$f")" = "$("$COVERT_BIN" sops filestatus "$f")" ]; then
        t_pass "filestatus $(basename "$f")"
    else
        t_fail "filestatus $(basename "$f")"
    fi
done
for p in '["stringData"]["multiline"]' '["stringData"]' '["metadata"]["name"]'; do
    if "$SOPS" decrypt --extract "$p" enc.yaml | cmp -s - <("$COVERT_BIN" sops decrypt --extract "$p" enc.yaml); then
        t_pass "extract $p"
    else
        t_fail "extract $p"
    fi
done
"$COVERT_BIN" sops decrypt --output out.yaml enc.yaml
if "$SOPS" decrypt enc.yaml | cmp -s - out.yaml; then t_pass "--output"; else t_fail "--output"; fi
if "$COVERT_BIN" sops encrypt --age "$R" --filename-override x.yaml <"$PLAIN/secret.yaml" >stdin.yaml &&
    "$SOPS" decrypt stdin.yaml | cmp -s - <("$SOPS" decrypt enc.yaml); then
    t_pass "encrypt from stdin with --filename-override"
else
    t_fail "encrypt from stdin"
fi
if [ "$("$COVERT_BIN" sops --version)" = "$("$SOPS" --version --disable-version-check 2>/dev/null)" ]; then
    t_pass "--version"
else
    t_fail "--version differs"
fi

# A file with PGP and age keys (sops-nix, shared fixture): set through the
# age key keeps every PGP entry exactly; sops still opens the result.
SHARED=${COVERT_SHARED:-$ROOT/../shared}/testvectors/sops
if [ -f "$SHARED/sops-nix/secrets.yaml" ]; then
    cp "$SHARED/sops-nix/secrets.yaml" mixed.yaml
    pgp_block() { sed -n '/^    pgp:/,/^    [a-z_]*:/p' "$1" | sed '$d'; }
    pgp_block mixed.yaml >pgp.before
    # The fixture's own identities (manifest: keys/getsops-age-keys.txt).
    cp "$SHARED/keys/getsops-age-keys.txt" allkeys.txt
    if SOPS_AGE_KEY_FILE=allkeys.txt "$COVERT_BIN" sops set mixed.yaml '["added"]' '"v"' &&
        pgp_block mixed.yaml | cmp -s - pgp.before && [ -s pgp.before ] &&
        SOPS_AGE_KEY_FILE=allkeys.txt "$SOPS" decrypt --extract '["added"]' mixed.yaml | grep -qx v; then
        t_pass "PGP entries kept untouched through set; sops opens the result"
    else
        t_fail "mixed PGP/age file"
    fi
else
    t_fail "shared fixture sops-nix/secrets.yaml missing"
fi

# Many files in one call (beyond sops): a tree encrypted in place, then
# decrypted in one process; sops agrees file by file.
mkdir -p tree/a/b
cp "$PLAIN/secret.yaml" tree/a/one.yaml
cp "$PLAIN/types.yaml" tree/a/b/two.yaml
cp "$PLAIN/app.json" tree/three.json
echo "not: a secret" >tree/a/README.md
"$COVERT_BIN" sops encrypt -i --age "$R" tree
ok=1
for f in tree/a/one.yaml tree/a/b/two.yaml tree/three.json; do
    base=$PLAIN/$(basename "$f" | sed 's/one.yaml/secret.yaml/; s/two.yaml/types.yaml/; s/three.json/app.json/')
    "$SOPS" decrypt "$f" >want.one 2>/dev/null || ok=0
    "$SOPS" decrypt --input-type "${f##*.}" --output-type "${f##*.}" "$f" >/dev/null 2>&1 || ok=0
    [ -s want.one ] || ok=0
    : "$base"
done
[ "$ok" = 1 ] && t_pass "encrypt -i of a tree: sops decrypts every file" || t_fail "encrypt -i of a tree"
# YAML outputs are joined into one stream with ---; others are concatenated.
{ "$SOPS" decrypt tree/a/b/two.yaml; echo ---; "$SOPS" decrypt tree/a/one.yaml; "$SOPS" decrypt tree/three.json; } >want.all
if "$COVERT_BIN" sops decrypt tree/a/b/two.yaml tree/a/one.yaml tree/three.json | cmp -s - want.all; then
    t_pass "decrypt of several files in one process, in argument order"
else
    t_fail "decrypt of several files"
fi
if grep -q "not: a secret" tree/a/README.md && ! grep -q sops tree/a/README.md; then
    t_pass "a walk leaves files of no structured store alone"
else
    t_fail "walk touched README.md"
fi
# A file whose tree cannot be encrypted (a plain integer above 2^63-1, which
# sops refuses with exit 23) is reported with its path; the process goes on
# with the other files and exits with sops's code for it.
mkdir -p tree2
echo "a: 1" >tree2/ok.yaml
echo "b: 18446744073709551615" >tree2/huge.yaml
"$COVERT_BIN" sops encrypt -i --age "$R" tree2 2>tree2.err
rc=$?
if [ "$rc" = 23 ] && grep -q "huge.yaml: Error encrypting tree: .*unknown type: uint64" tree2.err &&
    grep -qx "b: 18446744073709551615" tree2/huge.yaml && "$SOPS" decrypt tree2/ok.yaml | grep -qx "a: 1"; then
    t_pass "a tree error in one file of a walk: reported with its path, the others encrypted"
else
    t_fail "tree error in a walk (rc $rc: $(head -1 tree2.err))"
fi

# Identity sources, each alone, in both tools (sops 3.13 discovery rules).
"$SOPS" encrypt --age "$R" "$PLAIN/app.json" >ids.json
"$SOPS" decrypt ids.json >ids.want
ssh-keygen -q -t ed25519 -N "" -f ssh_id >/dev/null
"$SOPS" encrypt --age "$(cat ssh_id.pub)" "$PLAIN/app.json" >ssh.json
KEYLINE=$(grep AGE-SECRET-KEY "$TMP/k.txt")
printf '#!/bin/sh\n[ -n "$SOPS_AGE_RECIPIENT" ] && cat "%s"\n' "$TMP/k.txt" >keycmd.sh
chmod +x keycmd.sh
source_case() {
    local name=$1 file=$2
    shift 2
    local s_out c_out
    s_out=$(env -u SOPS_AGE_KEY_FILE "$@" "$SOPS" decrypt "$file" 2>/dev/null)
    c_out=$(env -u SOPS_AGE_KEY_FILE "$@" "$COVERT_BIN" sops decrypt "$file" 2>/dev/null)
    if [ -n "$c_out" ] && [ "$s_out" = "$c_out" ] && [ "$c_out" = "$(cat ids.want)" ]; then
        t_pass "identities from $name"
    else
        t_fail "identities from $name"
    fi
}
"$AGE131/age-keygen" -o other.txt 2>/dev/null
OTHER=$(grep AGE-SECRET-KEY other.txt)
source_case "SOPS_AGE_KEY (space-separated)" ids.json SOPS_AGE_KEY="$OTHER $KEYLINE"
source_case "SOPS_AGE_KEY_CMD" ids.json SOPS_AGE_KEY_CMD="$TMP/keycmd.sh"
# A source with a malformed line counts for nothing (sops reads it whole).
{ cat "$TMP/k.txt"; echo "AGE-SECRET-KEY-1notakey"; } >bad.txt
SOPS_AGE_KEY_FILE=bad.txt "$SOPS" decrypt ids.json >/dev/null 2>&1
src=$?
SOPS_AGE_KEY_FILE=bad.txt "$COVERT_BIN" sops decrypt ids.json >/dev/null 2>&1
crc=$?
if [ $src -eq 128 ] && [ $crc -eq 128 ]; then t_pass "a key file with a malformed line is refused whole"
else t_fail "malformed key file: covert $crc, sops $src"; fi
mkdir -p "$HOME/.config/sops/age"
cp "$TMP/k.txt" "$HOME/.config/sops/age/keys.txt"
source_case "the default keys.txt" ids.json
rm -rf "$HOME/.config/sops"
source_case "SOPS_AGE_SSH_PRIVATE_KEY_FILE" ssh.json SOPS_AGE_SSH_PRIVATE_KEY_FILE="$TMP/ssh_id"
mkdir -p "$HOME/.ssh"
cp ssh_id "$HOME/.ssh/id_ed25519"
source_case "~/.ssh/id_ed25519" ssh.json
t_done
