#!/usr/bin/env bash
# .sops.yaml, key groups with a Shamir threshold, and updatekeys: covert and
# sops v3.13.2 run in the same directory on the same config.
#   - creation rules chosen by path_regex (relative to the config), with a
#     selection rule from the config: same layout as sops's file;
#   - 3 key groups with shamir_threshold 2 (X25519, X25519, post-quantum):
#     each tool decrypts the other's file with any 2 groups' identities, and
#     both refuse (exit 128) with only one;
#   - `updatekeys -y` after the config gains a recipient: each tool updates
#     the other's file, the new identity then opens it, values unchanged;
#     `updatekeys --dry-run` (covert) reports and leaves the file alone.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
# shellcheck source=../lib/sops_env.sh
. "$ROOT/tests/lib/sops_env.sh"

K="$TMP/keys"
mkdir -p "$K"
for k in a b c; do "$AGE131/age-keygen" -o "$K/$k.txt" 2>/dev/null; done
"$AGE131/age-keygen" -pq -o "$K/pq.txt" 2>/dev/null
A=$("$AGE131/age-keygen" -y "$K/a.txt")
B=$("$AGE131/age-keygen" -y "$K/b.txt")
C=$("$AGE131/age-keygen" -y "$K/c.txt")
PQ=$("$AGE131/age-keygen" -y "$K/pq.txt")

W="$TMP/repo"
mkdir -p "$W/groups" "$W/apps/sub"
cat >"$W/.sops.yaml" <<YAML
creation_rules:
  - path_regex: groups/.*\.yaml\$
    shamir_threshold: 2
    key_groups:
      - age:
          - $A
      - age:
          - $B
      - age:
          - $PQ
  - path_regex: apps/.*\.(yaml|json)\$
    encrypted_regex: ^(data|stringData|password)\$
    age: $A,$B
YAML
cp "$PLAIN/secret.yaml" "$W/groups/secret.yaml"
cp "$PLAIN/secret.yaml" "$W/apps/sub/secret.yaml"
cp "$PLAIN/app.json" "$W/apps/app.json"
cd "$W" || exit 1

# keys LIST: an identity file holding the listed keys.
keys() {
    : >"$TMP/ids.txt"
    local k
    for k in "$@"; do cat "$K/$k.txt" >>"$TMP/ids.txt"; done
    echo "$TMP/ids.txt"
}

for f in apps/sub/secret.yaml apps/app.json groups/secret.yaml; do
    "$SOPS" encrypt "$f" >"$TMP/s.out" 2>"$TMP/err" || t_fail "$f: sops encrypt: $(head -1 "$TMP/err")"
    "$COVERT_BIN" sops encrypt "$f" >"$TMP/c.out" 2>"$TMP/err" || t_fail "$f: covert encrypt: $(head -1 "$TMP/err")"
    if [ "$(sops_mask "$TMP/s.out")" = "$(sops_mask "$TMP/c.out")" ]; then
        t_pass "$f: creation rule applied as sops does (same layout)"
    else
        t_fail "$f: layout differs from sops"
        diff <(sops_mask "$TMP/s.out") <(sops_mask "$TMP/c.out") | head -8 >&2
    fi
    cp "$TMP/s.out" "$TMP/s_${f//\//_}"
    cp "$TMP/c.out" "$TMP/c_${f//\//_}"
done

# The config is found up the tree from the working directory, and not at
# all from a directory with none above it: the same outcome in both tools.
same_outcome() { # NAME DIR FILE
    (cd "$2" && "$SOPS" encrypt "$3" >"$TMP/s.out" 2>"$TMP/s.err"; echo $? >"$TMP/s.rc")
    (cd "$2" && "$COVERT_BIN" sops encrypt "$3" >"$TMP/c.out" 2>"$TMP/c.err"; echo $? >"$TMP/c.rc")
    if [ "$(cat "$TMP/s.rc")" = "$(cat "$TMP/c.rc")" ] &&
        [ "$(sops_mask "$TMP/s.out")" = "$(sops_mask "$TMP/c.out")" ] &&
        [ "$(grep -v level= "$TMP/s.err" | head -1)" = "$(head -1 "$TMP/c.err")" ]; then
        t_pass "$1 (exit $(cat "$TMP/c.rc"))"
    else
        t_fail "$1: sops $(cat "$TMP/s.rc") '$(head -1 "$TMP/s.err")', covert $(cat "$TMP/c.rc") '$(head -1 "$TMP/c.err")'"
    fi
}
mkdir -p "$W/apps/sub/d1/d2/d3" "$TMP/none/d1/d2"
cp "$PLAIN/secret.yaml" "$W/apps/sub/d1/d2/d3/s.yaml"
cp "$PLAIN/secret.yaml" "$TMP/none/d1/d2/s.yaml"
same_outcome "config five levels up" "$W/apps/sub/d1/d2/d3" s.yaml
same_outcome "no config up to the root" "$TMP/none/d1/d2" s.yaml

# Shamir 2-of-3 across tools.
G_S="$TMP/s_groups_secret.yaml"
G_C="$TMP/groups.covert.yaml"
"$COVERT_BIN" sops encrypt groups/secret.yaml >"$G_C"
"$SOPS" encrypt groups/secret.yaml >"$G_S"
SOPS_AGE_KEY_FILE=$(keys a b c pq) "$SOPS" decrypt "$G_S" >"$TMP/want"
for combo in "a b" "a pq" "b pq"; do
    # shellcheck disable=SC2086
    ids=$(keys $combo)
    if SOPS_AGE_KEY_FILE=$ids "$SOPS" decrypt "$G_C" | cmp -s - "$TMP/want"; then
        t_pass "shamir: sops opens covert's file with groups {$combo}"
    else
        t_fail "shamir: sops with {$combo} on covert's file"
    fi
    if SOPS_AGE_KEY_FILE=$ids "$COVERT_BIN" sops decrypt "$G_S" | cmp -s - "$TMP/want"; then
        t_pass "shamir: covert opens sops's file with groups {$combo}"
    else
        t_fail "shamir: covert with {$combo} on sops's file"
    fi
done
for tool in sops covert; do
    for file in "$G_S" "$G_C"; do
        if [ $tool = sops ]; then
            SOPS_AGE_KEY_FILE=$(keys a) "$SOPS" decrypt "$file" >/dev/null 2>&1
        else
            SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops decrypt "$file" >/dev/null 2>&1
        fi
        rc=$?
        if [ $rc -eq 128 ]; then t_pass "shamir: $tool refuses one group of $(basename "$file")"
        else t_fail "shamir: $tool with one group exit $rc, want 128"; fi
    done
done

# updatekeys: add C to the apps rule.
sed -i "s|age: $A,$B|age: $A,$B,$C|" .sops.yaml
cp "$TMP/c_apps_sub_secret.yaml" apps/sub/c.yaml
cp "$TMP/s_apps_sub_secret.yaml" apps/sub/s.yaml
SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops decrypt apps/sub/s.yaml >"$TMP/before.s"
SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops decrypt apps/sub/c.yaml >"$TMP/before.c"
cp apps/sub/c.yaml "$TMP/c.before"
SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops updatekeys --dry-run apps/sub/c.yaml >"$TMP/dry" 2>/dev/null
if cmp -s apps/sub/c.yaml "$TMP/c.before" && grep -q "^+++ $C" "$TMP/dry"; then
    t_pass "updatekeys --dry-run reports the new key and writes nothing"
else
    t_fail "updatekeys --dry-run"
fi
SOPS_AGE_KEY_FILE=$(keys a) "$SOPS" updatekeys -y apps/sub/c.yaml >/dev/null 2>&1 ||
    t_fail "sops updatekeys on covert's file"
SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops updatekeys -y apps/sub/s.yaml >/dev/null 2>&1 ||
    t_fail "covert updatekeys on sops's file"
for pair in "c covert sops" "s sops covert"; do
    set -- $pair
    if SOPS_AGE_KEY_FILE=$(keys c) "$SOPS" decrypt "apps/sub/$1.yaml" | cmp -s - "$TMP/before.$1" &&
        SOPS_AGE_KEY_FILE=$(keys c) "$COVERT_BIN" sops decrypt "apps/sub/$1.yaml" | cmp -s - "$TMP/before.$1"; then
        t_pass "updatekeys: $3 updated $2's file; the new key opens it in both tools"
    else
        t_fail "updatekeys: $3 on $2's file"
    fi
done
# A tree: every SOPS file below is checked, and both are now up to date.
SOPS_AGE_KEY_FILE=$(keys a) "$COVERT_BIN" sops updatekeys -y apps >/dev/null 2>"$TMP/tree.err"
if [ $? -eq 0 ] && [ "$(grep -c 'already up to date' "$TMP/tree.err")" -eq 2 ]; then
    t_pass "updatekeys over a directory"
else
    t_fail "updatekeys over a directory: $(head -2 "$TMP/tree.err")"
fi
t_done
