#!/usr/bin/env bash
# age throughput: covert against age v1.3.1 and Debian's age 1.1.1, in one
# run, on the same random input on a tmpfs, X25519 recipient.
#
#   bench/run.sh [BUILD_DIR]            (make bench)
#
# Encrypts and decrypts, binary and armored (-a); every tool decrypts the
# same files (made once by age v1.3.1), and covert's output is checked
# against the input. Runs are interleaved (covert, age 1.3.1, age 1.1.1,
# covert, ...) so background noise spreads evenly; the report gives the
# median wall time, throughput, median CPU time (user + system), peak RSS
# (largest over the runs) and how many times faster (wall time) covert is
# than each peer.
#
# Environment:
#   SIZE_MIB=1024    input size            RUNS=5      runs per case
#   BENCH_DIR=/dev/shm/covert-bench        work directory (removed after)
#   COVERT=PATH      time an age-compatible binary instead of BUILD_DIR/covert
#                    (e.g. age v1.3.1 itself, to check the script)
#   PEERS=~/.cache/covert/peers            AGE111=/usr/bin/age
#   CASES="enc dec enc-a dec-a"            subset to run
#   WARM=1     touch 2 x SIZE_MIB of tmpfs pages before every run (0: off)
#   SINKS="file null"   where the output goes: `file` = -o a file on the
#              same tmpfs (every tool pays the kernel's page-cache write);
#              `null` = -o /dev/null (each tool's own work: reading, the
#              cipher, armor). covert's output is checked in both.
#
# One more row per case puts the figures in proportion:
#   floor      `dd` doing only the kernel's part: with the file sink,
#              writing the case's output size from /dev/zero (the one part
#              no tool can split over cores: writes to one file hold its
#              inode lock); with the null sink, reading the case's input.
#              "ceiling" is age v1.3.1's time over it: the most any age
#              could gain on this machine.
# WARM exists because on a VM with a memory balloon, pages a previous run
# freed may have been handed back to the host, and the next run to touch them
# pays a host fault per page (seen here: a 0.45 s write taking 2.7 s); warming
# gives every tool the same hot pages.
set -euo pipefail

O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-5}
PEERS=${PEERS:-$HOME/.cache/covert/peers}
AGE131=${AGE131:-$PEERS/age-1.3.1/age}
KEYGEN=${KEYGEN:-$PEERS/age-1.3.1/age-keygen}
AGE111=${AGE111:-/usr/bin/age}
BENCH_DIR=${BENCH_DIR:-/dev/shm/covert-bench}
CASES=${CASES:-"enc dec enc-a dec-a"}
TIMEIT=$ROOT/$O/timeit
WARM=${WARM:-1}

if [ -n "${COVERT:-}" ]; then
    COVERT_CMD=("$COVERT")
    COVERT_LABEL="covert($(basename "$COVERT"))"
else
    COVERT_CMD=("$ROOT/$O/covert" age)
    COVERT_LABEL=covert
fi

need() { [ -x "$1" ] || { echo "bench: missing $1 ($2)" >&2; exit 1; }; }
need "${COVERT_CMD[0]}" "build covert with make, or set COVERT"
need "$AGE131" "make peers"
need "$KEYGEN" "make peers"
need "$AGE111" "apt-get install age"
need "$TIMEIT" "make $O/timeit"

mkdir -p "$BENCH_DIR"
W=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
trap 'rm -rf "$W"; rmdir "$BENCH_DIR" 2>/dev/null || true' EXIT

# ---- inputs -------------------------------------------------------------

"$KEYGEN" -o "$W/key.txt" 2>/dev/null
RCPT=$("$KEYGEN" -y "$W/key.txt")
head -c "$((SIZE_MIB * 1048576))" /dev/urandom >"$W/plain"
"$AGE131" -e -r "$RCPT" -o "$W/ref.age" "$W/plain"
"$AGE131" -e -a -r "$RCPT" -o "$W/ref.age.asc" "$W/plain"

# ---- one timed run --------------------------------------------------------

# run_once OUTFILE CMD... : prints "seconds peak_kib cpu_seconds" for one
# run (cpu = user + system, which shows through the noise of a busy host). The
# output file is removed first so every tool starts from the same state.
run_once() {
    local out=$1
    shift
    [ "$out" = /dev/null ] || rm -f "$out"
    if [ "$WARM" = 1 ]; then
        dd if=/dev/zero of="$W/warm" bs=1M count=$((SIZE_MIB * 2)) status=none
        rm -f "$W/warm"
    fi
    "$TIMEIT" --err "$W/err" -- "$@" || {
        echo "bench: command failed: $*" >&2
        cat "$W/err" >&2
        exit 1
    }
}

# Bytes each case writes: what its reference output holds.
out_size() {
    case $1 in
    enc) stat -c %s "$W/ref.age" ;;
    enc-a) stat -c %s "$W/ref.age.asc" ;;
    *) stat -c %s "$W/plain" ;;
    esac
}

# The input each case reads.
in_file() {
    case $1 in
    enc | enc-a) echo "$W/plain" ;;
    dec) echo "$W/ref.age" ;;
    dec-a) echo "$W/ref.age.asc" ;;
    esac
}

# Sets CMD to the command line of TOOL for CASE, writing OUT.
case_cmd() {
    local tool=$1 kase=$2 out=$3
    case $tool in
    covert) CMD=("${COVERT_CMD[@]}") ;;
    age131) CMD=("$AGE131") ;;
    age111) CMD=("$AGE111") ;;
    floor)
        if [ "$out" = /dev/null ]; then
            CMD=(dd if="$(in_file "$kase")" of=/dev/null bs=1M status=none)
        else
            CMD=(dd if=/dev/zero of="$out" bs=1M count="$(out_size "$kase")" iflag=count_bytes status=none)
        fi
        return ;;
    esac
    case $kase in
    enc) CMD+=(-e -r "$RCPT") ;;
    enc-a) CMD+=(-e -a -r "$RCPT") ;;
    dec | dec-a) CMD+=(-d -i "$W/key.txt") ;;
    esac
    CMD+=(-o "$out" "$(in_file "$kase")")
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -g | tail -1; }

TOOLS="covert age131 age111 floor"
declare -A SECS RSS CPU

# The decryptions and covert's encryptions must be right, not just fast.
check_output() {
    local kase=$1 out=$2
    case $kase in
    dec | dec-a) cmp -s "$out" "$W/plain" || { echo "bench: $kase output differs" >&2; exit 1; } ;;
    enc | enc-a)
        "$AGE131" -d -i "$W/key.txt" "$out" | cmp -s - "$W/plain" ||
            { echo "bench: age v1.3.1 cannot decrypt covert's $kase output" >&2; exit 1; } ;;
    esac
}

bench_case() {
    local kase=$1 sink=$2 tool i
    case_cmd covert "$kase" "$W/check"
    "${CMD[@]}" 2>"$W/err" || { echo "bench: covert $kase failed: $(cat "$W/err")" >&2; exit 1; }
    check_output "$kase" "$W/check"
    rm -f "$W/check"
    for tool in $TOOLS; do : >"$W/t.$tool"; done
    for ((i = 0; i < RUNS; i++)); do
        for tool in $TOOLS; do
            local out=/dev/null
            [ "$sink" = file ] && out="$W/out.$tool"
            case_cmd "$tool" "$kase" "$out"
            run_once "$out" "${CMD[@]}" >>"$W/t.$tool"
            [ "$out" = /dev/null ] || rm -f "$out"
        done
    done
    for tool in $TOOLS; do
        SECS[$kase.$tool]=$(awk '{ print $1 }' "$W/t.$tool" | median)
        RSS[$kase.$tool]=$(awk '{ print $2 }' "$W/t.$tool" | maxof)
        CPU[$kase.$tool]=$(awk '{ print $3 }' "$W/t.$tool" | median)
    done
}

# ---- report -------------------------------------------------------------

label() {
    case $1 in
    covert) echo "$COVERT_LABEL" ;;
    age131) echo "age v1.3.1" ;;
    age111) echo "age 1.1.1 (Debian)" ;;
    floor) [ "$SINK" = file ] && echo "write floor (dd)" || echo "read floor (dd)" ;;
    esac
}

report_case() {
    local kase=$1 tool
    local c=${SECS[$kase.covert]}
    for tool in $TOOLS; do
        local s=${SECS[$kase.$tool]}
        printf '%-7s %-22s %8.3f %9.0f %8.2f %9.1f' "$kase" "$(label "$tool")" "$s" \
            "$(echo "$SIZE_MIB / $s" | bc -l)" "${CPU[$kase.$tool]}" \
            "$(echo "${RSS[$kase.$tool]} / 1024" | bc -l)"
        if [ "$tool" = covert ]; then
            printf '   %8.2fx %8.2fx\n' "$(echo "${SECS[$kase.age131]} / $c" | bc -l)" \
                "$(echo "${SECS[$kase.age111]} / $c" | bc -l)"
        elif [ "$tool" = floor ]; then
            printf '   %8.2fx (ceiling)\n' "$(echo "${SECS[$kase.age131]} / $s" | bc -l)"
        else
            printf '\n'
        fi
    done
}

echo "age benchmark: $SIZE_MIB MiB of random data on $(df --output=fstype "$W" | tail -1)," \
    "X25519, median of $RUNS runs, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  covert: ${COVERT_CMD[*]}"
echo "  peers:  $AGE131 ($("$AGE131" --version)), $AGE111 ($("$AGE111" --version))"
echo "  enc/dec = binary, enc-a/dec-a = armored (-a); decrypt inputs made by age v1.3.1"
echo
printf '%-7s %-22s %8s %9s %8s %9s   %9s %9s\n' case tool seconds MiB/s "cpu s" "RSS MiB" \
    "vs 1.3.1" "vs 1.1.1"
for SINK in ${SINKS:-file null}; do
    echo "-- output to $([ "$SINK" = file ] && echo "a file on the same tmpfs" || echo /dev/null)"
    for kase in $CASES; do
        bench_case "$kase" "$SINK"
        report_case "$kase"
    done
done
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
