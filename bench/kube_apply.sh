#!/usr/bin/env bash
# Server-side apply of 1,000 objects (ConfigMaps, Secrets, custom resources)
# to the local test API server (tests/cluster): covert apply against
# `kubectl apply --server-side` (the pinned v1.36.3) on the same manifests,
# in one run, interleaved.
#
#   bench/kube_apply.sh [BUILD_DIR]
#
# Cases: "create" (into a fresh namespace each run) and "unchanged" (the
# same manifests again). Reports the median wall time, peak RSS (largest
# over the runs, /usr/bin/time -f %M) and covert's speed-up.
#
# Environment: RUNS=3, OBJECTS=1000 (split 40 % ConfigMaps, 30 % Secrets,
# 30 % custom resources).
set -euo pipefail
O=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
OBJECTS=${OBJECTS:-1000}
TIME=/usr/bin/time
COVERT=$ROOT/$O/covert
[ -x "$COVERT" ] || { echo "bench: build covert first (make)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench: apt-get install time" >&2; exit 1; }

RESULTS=/dev/null
# shellcheck source=../tests/lib/harness.sh
. "$ROOT/tests/lib/harness.sh"
# shellcheck source=../tests/lib/cluster.sh
. "$ROOT/tests/lib/cluster.sh"
cluster_up || { echo "bench: $CLUSTER_WHY" >&2; exit 1; }
W=$(mktemp -d)
created_ns=()
cleanup() {
    for ns in "${created_ns[@]}"; do cluster_drop_namespace "$ns"; done
    "${KUBECTL[@]}" delete crd benchwidgets.bench.covert.test --ignore-not-found >/dev/null 2>&1
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

cat <<EOF | "${KUBECTL[@]}" apply --server-side -f - >/dev/null
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: benchwidgets.bench.covert.test}
spec:
  group: bench.covert.test
  names: {kind: BenchWidget, plural: benchwidgets, singular: benchwidget, listKind: BenchWidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
"${KUBECTL[@]}" wait --for condition=Established crd/benchwidgets.bench.covert.test >/dev/null

ncm=$((OBJECTS * 4 / 10)) nsec=$((OBJECTS * 3 / 10))
ncr=$((OBJECTS - ncm - nsec))
python3 - "$ncm" "$nsec" "$ncr" >"$W/objects.yaml" <<'PY'
import sys
ncm, nsec, ncr = map(int, sys.argv[1:])
for i in range(ncm):
    print(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  labels: {{app: bench, idx: '{i}'}}\n"
          f"data:\n  key: value-{i}\n  config.yaml: |\n    replicas: {i % 7}\n    enabled: true\n")
for i in range(nsec):
    print(f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{i}\ntype: Opaque\n"
          f"stringData:\n  username: user-{i}\n  password: pass-{i}-0123456789abcdef\n")
for i in range(ncr):
    print(f"---\napiVersion: bench.covert.test/v1\nkind: BenchWidget\nmetadata:\n  name: widget-{i}\n"
          f"spec:\n  size: {i}\n  tags: [a, b, c]\n  nested: {{x: {i}, y: 'z'}}\n")
PY

# measure TOOL NS: "wall rss_kib status" of one apply
measure() {
    local tool=$1 ns=$2 out=$W/time.$$
    if [ "$tool" = covert ]; then
        "$TIME" -f '%e %M' -o "$out" "$COVERT" apply -f "$W/objects.yaml" -n "$ns" \
            --kubeconfig "$KUBECONFIG" >"$W/$tool.out" 2>"$W/$tool.err" && st=0 || st=$?
    else
        "$TIME" -f '%e %M' -o "$out" "${KUBECTL[@]}" apply --server-side -f "$W/objects.yaml" -n "$ns" \
            >"$W/$tool.out" 2>"$W/$tool.err" && st=0 || st=$?
    fi
    echo "$(tail -1 "$out") $st"
}

declare -A wall rss
for run in $(seq "$RUNS"); do
    for tool in covert kubectl; do
        ns=bench-$tool-$run-$$
        "${KUBECTL[@]}" create namespace "$ns" >/dev/null
        created_ns+=("$ns")
        read -r w m st < <(measure "$tool" "$ns")
        [ "$st" = 0 ] || { echo "bench: $tool create failed: $(head -3 "$W/$tool.err")" >&2; exit 1; }
        [ "$(grep -c . "$W/$tool.out")" = "$OBJECTS" ] || { echo "bench: $tool printed $(grep -c . "$W/$tool.out") lines" >&2; exit 1; }
        wall[create,$tool]="${wall[create,$tool]:-} $w"
        rss[create,$tool]="${rss[create,$tool]:-} $m"
        read -r w m st < <(measure "$tool" "$ns")
        [ "$st" = 0 ] || { echo "bench: $tool re-apply failed" >&2; exit 1; }
        wall[unchanged,$tool]="${wall[unchanged,$tool]:-} $w"
        rss[unchanged,$tool]="${rss[unchanged,$tool]:-} $m"
    done
done
[ "$(grep -c ' unchanged$' "$W/covert.out")" = "$OBJECTS" ] ||
    { echo "bench: covert re-apply did not report every object unchanged" >&2; exit 1; }

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
maxof() { tr ' ' '\n' | grep . | sort -n | tail -1; }
echo "kube apply: $OBJECTS objects ($ncm ConfigMaps, $nsec Secrets, $ncr custom resources), $RUNS runs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "| case | covert | kubectl --server-side | covert vs kubectl | covert RSS | kubectl RSS |"
echo "|---|---|---|---|---|---|"
for c in create unchanged; do
    cw=$(median <<<"${wall[$c,covert]}") kw=$(median <<<"${wall[$c,kubectl]}")
    cr=$(maxof <<<"${rss[$c,covert]}") kr=$(maxof <<<"${rss[$c,kubectl]}")
    awk -v c="$c" -v cw="$cw" -v kw="$kw" -v cr="$cr" -v kr="$kr" 'BEGIN {
        printf "| %s | %.2f s | %.2f s | **%.2f×** | %.1f MiB | %.1f MiB |\n", c, cw, kw, kw / cw, cr / 1024, kr / 1024 }'
done
