#!/usr/bin/env bash
# SOPS: covert against sops v3.13.2, in one run, on the same inputs (age
# recipient, files on a tmpfs).
#
#   bench/sops.sh [BUILD_DIR]           (make bench)
#
# Cases, each encrypted and decrypted:
#   yaml-10k    one YAML file with 10,000 values (1,000 maps of 10 keys)
#   binary-1m   a 1 MiB binary file
#   secrets-200 200 small Kubernetes Secret files: sops runs once per file, as
#               people call it today; covert takes them all in one process
#               (`covert sops decrypt DIR`, `covert sops encrypt -i DIR`)
# Both tools decrypt the same files (made by sops), and covert's outputs are
# checked against sops's. Beside them, bench/sops_floor.c gives the least
# any encryption of the binary file costs as one process on this host (read,
# SHA-512 for the MAC, write; nothing encrypted): the 20x target against it. Reports the median wall time over RUNS runs
# (interleaved), the peak RSS (largest over runs; for secrets-200, of one
# sops process) and how many times faster covert is.
#
# Times come from bench/timeit.c (spawn to wait4, microseconds; peak RSS
# from wait4).
#
# Environment: RUNS=11  BENCH_DIR=/dev/shm/covert-sops-bench  PEERS=~/.cache/covert/peers
set -euo pipefail

O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-11}
PEERS=${PEERS:-$HOME/.cache/covert/peers}
SOPS=$PEERS/sops-3.13.2/sops
KEYGEN=$PEERS/age-1.3.1/age-keygen
COVERT=$ROOT/$O/covert
BENCH_DIR=${BENCH_DIR:-/dev/shm/covert-sops-bench}
TIMEIT=$ROOT/$O/timeit
FLOOR=$ROOT/$O/sops-floor
for t in "$SOPS" "$KEYGEN" "$COVERT" "$TIMEIT" "$FLOOR"; do
    [ -x "$t" ] || { echo "bench: missing $t (make peers / make $O/timeit $O/sops-floor)" >&2; exit 1; }
done

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
trap 'rm -rf "$BENCH_DIR"' EXIT
cd "$BENCH_DIR"
"$KEYGEN" -o key.txt 2>/dev/null
R=$("$KEYGEN" -y key.txt)
export SOPS_AGE_KEY_FILE=$BENCH_DIR/key.txt HOME=$BENCH_DIR XDG_CONFIG_HOME=$BENCH_DIR/cfg
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_CONFIG

python3 - <<'PY'
import base64, os
with open("big.yaml", "w") as f:
    for i in range(1000):
        f.write(f"service{i}:\n")
        for k in range(10):
            v = f"value-{i}-{k}-" + base64.b64encode(os.urandom(12)).decode() if k % 3 else str(i * 10 + k)
            f.write(f"    key{k}: {v}\n")
with open("blob.bin", "w") as f:
    f.write(base64.b64encode(os.urandom(786432)).decode())
os.makedirs("plain200", exist_ok=True)
for i in range(200):
    with open(f"plain200/secret{i:03}.yaml", "w") as f:
        f.write(f"apiVersion: v1\nkind: Secret\nmetadata:\n    name: app{i}\n    namespace: apps\n"
                f"type: Opaque\nstringData:\n    username: user{i}\n"
                f"    password: {base64.b64encode(os.urandom(18)).decode()}\n")
PY
"$SOPS" encrypt --age "$R" big.yaml >big.enc.yaml
"$SOPS" encrypt --age "$R" blob.bin >blob.enc.bin
mkdir enc200
for f in plain200/*.yaml; do "$SOPS" encrypt --age "$R" "$f" >"enc200/$(basename "$f")"; done

# measure LABEL CMD...: appends "LABEL wall rss cpu" to times.txt
measure() {
    local label=$1
    shift
    "$TIMEIT" --err err.out -- "$@" >t.out || { cat err.out >&2; exit 1; }
    echo "$label $(cat t.out)" >>times.txt
}
sops_each_dec() { for f in enc200/*.yaml; do "$SOPS" decrypt "$f" >/dev/null; done; }
sops_each_enc() { for f in plain200/*.yaml; do "$SOPS" encrypt --age "$R" "$f" >/dev/null; done; }
export -f sops_each_dec sops_each_enc
export SOPS R

# Correctness first: covert's decryptions equal sops's.
"$COVERT" sops decrypt big.enc.yaml | cmp -s - big.yaml || { echo "bench: yaml output differs" >&2; exit 1; }
"$COVERT" sops decrypt blob.enc.bin | cmp -s - blob.bin || { echo "bench: binary output differs" >&2; exit 1; }
"$COVERT" sops decrypt enc200 >covert200.out
for f in enc200/*.yaml; do "$SOPS" decrypt "$f"; echo ---; done | sed '$d' >sops200.out
cmp -s covert200.out sops200.out || { echo "bench: 200-file output differs" >&2; exit 1; }

: >times.txt
for _ in $(seq "$RUNS"); do
    measure "yaml-10k dec covert" "$COVERT" sops decrypt big.enc.yaml
    measure "yaml-10k dec sops" "$SOPS" decrypt big.enc.yaml
    measure "yaml-10k enc covert" "$COVERT" sops encrypt --age "$R" big.yaml
    measure "yaml-10k enc sops" "$SOPS" encrypt --age "$R" big.yaml
    measure "binary-1m dec covert" "$COVERT" sops decrypt blob.enc.bin
    measure "binary-1m dec sops" "$SOPS" decrypt blob.enc.bin
    measure "binary-1m enc covert" "$COVERT" sops encrypt --age "$R" blob.bin
    measure "binary-1m enc sops" "$SOPS" encrypt --age "$R" blob.bin
    measure "binary-1m enc floor" "$FLOOR" blob.bin
    measure "secrets-200 dec covert" "$COVERT" sops decrypt enc200
    measure "secrets-200 dec sops" bash -c sops_each_dec
    rm -rf work200 && cp -r plain200 work200
    measure "secrets-200 enc covert" "$COVERT" sops encrypt -i --age "$R" work200
    measure "secrets-200 enc sops" bash -c sops_each_enc
done

python3 - "$RUNS" <<'PY'
import statistics, sys
rows = {}
for line in open("times.txt"):
    *label, wall, rss, _cpu = line.split()
    case, op, tool = label
    rows.setdefault((case, op), {}).setdefault(tool, []).append((float(wall), int(rss)))
print(f"sops benchmark, {sys.argv[1]} runs, median wall time, peak RSS")
print(f"{'case':<14}{'op':<5}{'covert ms':>11}{'sops ms':>10}{'speed-up':>10}{'covert MiB':>12}{'sops MiB':>10}{'RSS ratio':>11}")
for (case, op), t in rows.items():
    cw = statistics.median(w for w, _ in t["covert"]); sw = statistics.median(w for w, _ in t["sops"])
    cr = max(r for _, r in t["covert"]) / 1024; sr = max(r for _, r in t["sops"]) / 1024
    print(f"{case:<14}{op:<5}{cw * 1000:>11.1f}{sw * 1000:>10.1f}{sw / cw:>9.1f}x{cr:>12.1f}{sr:>10.1f}{cr / sr:>11.2f}")
for (case, op), t in rows.items():
    if "floor" in t:
        fw = statistics.median(w for w, _ in t["floor"]); sw = statistics.median(w for w, _ in t["sops"])
        print(f"{case} {op} floor (read, SHA-512, write; nothing encrypted): {fw * 1000:.1f} ms = "
              f"sops / {sw / fw:.1f}; 20x of sops is {sw * 50:.1f} ms")
PY
