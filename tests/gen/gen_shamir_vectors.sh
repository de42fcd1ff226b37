#!/usr/bin/env bash
# Shamir vectors from sops v3.13.2's own shamir package (the sopscfg peer,
# tests/peers/sopscfg, built by tests/peers/build.sh):
#   split    random secrets split by sops (thresholds 2..5, several part
#            counts, 255 parts); covert must recombine every listed subset
#   combine  arbitrary share sets (including x = 0 and foreign x values)
#            recombined by sops; covert must get the same bytes
#   errors   split and combine inputs sops refuses, with its message
# Output: testvectors/shamir/vectors.json. Not run by make test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEER=${PEERS:-$HOME/.cache/covert/peers}/sops-3.13.2/sopscfg
[ -x "$PEER" ] || { echo "missing $PEER (make peers)" >&2; exit 1; }
python3 - "$PEER" >"$ROOT/testvectors/shamir/vectors.json" <<'PY'
import itertools, json, os, random, subprocess, sys
peer = sys.argv[1]
rng = random.Random(20260813)

def run(*args):
    return json.loads(subprocess.run([peer, *map(str, args)], check=True,
                                     capture_output=True, text=True).stdout)

def subsets(n, t):
    idx = list(range(n))
    out = [idx[:t], idx[-t:], idx]
    for _ in range(3):
        k = rng.randint(t, n)
        out.append(sorted(rng.sample(idx, k)))
        out.append(rng.sample(idx, k))  # order does not matter
    uniq = []
    for s in out:
        if s not in uniq:
            uniq.append(s)
    return uniq

split = []
for t in range(2, 6):
    for parts in (t, t + 1, t + 3):
        for ln in (32, 1, 17):
            secret = os.urandom(ln).hex()
            r = run("shamir-split", secret, parts, t)
            split.append({"secret": secret, "parts": parts, "threshold": t,
                          "shares": r["shares"], "subsets": subsets(parts, t)})
secret = os.urandom(32).hex()
r = run("shamir-split", secret, 255, 3)
split.append({"secret": secret, "parts": 255, "threshold": 3, "shares": r["shares"],
              "subsets": [[0, 1, 2], [252, 253, 254], [7, 100, 254, 3]]})

combine = []
for n in (2, 3, 4, 7):
    for ln in (2, 33):
        xs = rng.sample(range(256), n)
        shares = [os.urandom(ln - 1).hex() + bytes([x]).hex() for x in xs]
        combine.append({"shares": shares, "secret": run("shamir-combine", *shares)["secret"]})

errors = []
for secret, parts, t in (("00", 2, 3), ("00", 256, 2), ("00", 256, 256), ("00", 3, 1),
                         ("00", 3, 0), ("", 3, 2), ("00", 300, 256)):
    errors.append({"op": "split", "secret": secret, "parts": parts, "threshold": t,
                   "error": run("shamir-split", secret, parts, t)["error"]})
for shares in (["0a01"], ["01", "02"], ["0a01", "0b0c02"], ["0a01", "0b01"],
               ["aa01", "bb02", "cc01"], ["", ""]):
    r = run("shamir-combine", *shares)
    errors.append({"op": "combine", "shares": shares, "error": r["error"]})

json.dump({"source": "getsops/sops v3.13.2 shamir package via tests/peers/sopscfg",
           "split": split, "combine": combine, "errors": errors}, sys.stdout, indent=1)
print()
PY
echo "wrote testvectors/shamir/vectors.json"
