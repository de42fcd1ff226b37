# Shared start of the sops suites: the peers' paths, a scratch directory
# removed at exit (kept with KEEP=1), a private HOME so no developer key or
# config is picked up, and `sops_mask FILE` — an encrypted file with its
# ciphertexts, age blocks, MAC and timestamps replaced by placeholders that
# keep what must match between tools (value type, plaintext length).
# Sourced after harness.sh; sets SOPS, PLAIN, TMP, COVERT_BIN. A suite
# whose peers are missing reports it and exits.
: "${COVERT_BIN:=$ROOT/build/covert}"
SOPS="$PEERS/sops-3.13.2/sops"
PLAIN="$ROOT/testvectors/sops/plain"
TMP=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$TMP"' EXIT
if [ ! -x "$SOPS" ] || [ ! -x "$AGE131/age-keygen" ]; then
    t_skip "$SUITE" "sops v3.13.2 or age v1.3.1 peer missing (make peers)"
    t_done
    exit 0
fi
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
mkdir -p "$HOME"
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE \
    SOPS_AGE_SSH_PRIVATE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_CONFIG EDITOR SOPS_EDITOR

sops_mask() {
    python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
t = re.sub(r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----",
           "AGE-BLOCK", t, flags=re.S)
t = re.sub(r"ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:[^,]*,tag:[^,]*,type:(\w+)\]",
           lambda m: "ENC[%d,%s]" % (len(m.group(1)), m.group(2)), t)
t = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", t)
sys.stdout.write(t)
PY
}
