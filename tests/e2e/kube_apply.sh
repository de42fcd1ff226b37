#!/usr/bin/env bash
# `covert apply` against the real kube-apiserver of tests/cluster (started
# here when it is not running, and then stopped again). What the cluster
# holds afterwards is read back with the pinned kubectl (the peer), never
# with covert itself.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/harness.sh
. "$HERE/../lib/harness.sh"
# shellcheck source=../lib/cluster.sh
. "$HERE/../lib/cluster.sh"

COVERT=${COVERT_BIN:-$HERE/../../build/covert}
cluster_suite

W=$(mktemp -d)
NS=covert-e2e-$$
NS2=covert-e2e-kubectl-$$
GROUP=e2e$$.covert.test
cleanup() {
    cluster_drop_namespace "$NS"
    cluster_drop_namespace "$NS2"
    "${KUBECTL[@]}" delete crd "gizmos.$GROUP" clusterrole "covert-e2e-$$" --ignore-not-found \
        >/dev/null 2>&1
    rm -rf "$W"
    cluster_cleanup
}
trap cleanup EXIT

# run NAME ARGS...: covert apply, stdout/stderr/status kept in $W/NAME.*
run() {
    local name=$1
    shift
    "$COVERT" apply "$@" >"$W/$name.out" 2>"$W/$name.err"
    echo $? >"$W/$name.rc"
}
rc() { cat "$W/$1.rc"; }
# expect_lines NAME LINE...: stdout is exactly these lines.
expect_lines() {
    local name=$1
    shift
    printf '%s\n' "$@" | diff -u - "$W/$name.out" >"$W/$name.diff"
}
jp() { kc get "$@" 2>/dev/null; }

# --- create / unchanged / update ---------------------------------------------
cat >"$W/base.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: $NS
data:
  greeting: hello
  count: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: $NS
stringData:
  password: s3cret-value
EOF
run create -f "$W/base.yaml"
if [ "$(rc create)" = 0 ] && expect_lines create "namespace/$NS created" "configmap/app created" \
    "secret/creds created" &&
    [ "$(jp cm app -n "$NS" -o jsonpath='{.data.greeting}/{.data.count}')" = hello/3 ] &&
    [ "$(jp secret creds -n "$NS" -o jsonpath='{.data.password}' | base64 -d)" = s3cret-value ]; then
    t_pass "create: namespace, configmap, secret"
else
    t_fail "create: $(cat "$W/create.err" "$W/create.diff" 2>/dev/null | head -5)"
fi

mf=$(jp cm app -n "$NS" -o jsonpath='{range .metadata.managedFields[*]}{.manager}:{.operation} {end}')
case "$mf" in *"covert:Apply"*) t_pass "field manager covert, operation Apply" ;;
*) t_fail "managedFields: $mf" ;; esac

rv1=$(jp cm app -n "$NS" -o jsonpath='{.metadata.resourceVersion}')
run again -f "$W/base.yaml"
rv2=$(jp cm app -n "$NS" -o jsonpath='{.metadata.resourceVersion}')
if [ "$(rc again)" = 0 ] && expect_lines again "namespace/$NS unchanged" "configmap/app unchanged" \
    "secret/creds unchanged" && [ "$rv1" = "$rv2" ]; then
    t_pass "unchanged: same manifests, same resourceVersion"
else
    t_fail "unchanged: rv $rv1 -> $rv2; $(cat "$W/again.err" "$W/again.diff" | head -5)"
fi

sed 's/greeting: hello/greeting: bonjour/' "$W/base.yaml" >"$W/update.yaml"
run update -f "$W/update.yaml"
if [ "$(rc update)" = 0 ] && expect_lines update "namespace/$NS unchanged" "configmap/app configured" \
    "secret/creds unchanged" &&
    [ "$(jp cm app -n "$NS" -o jsonpath='{.data.greeting}')" = bonjour ]; then
    t_pass "configured: changed data applied"
else
    t_fail "configured: $(cat "$W/update.err" "$W/update.diff" | head -5)"
fi

# A field we stop sending is removed (it was ours).
sed '/count: "3"/d' "$W/update.yaml" >"$W/prune.yaml"
run prune -f "$W/prune.yaml"
if [ "$(rc prune)" = 0 ] && [ -z "$(jp cm app -n "$NS" -o jsonpath='{.data.count}')" ]; then
    t_pass "a field no longer applied is removed"
else
    t_fail "field removal: $(cat "$W/prune.err")"
fi

# --- many objects of one kind: read with paged LISTs -------------------------
# 250 ConfigMaps and 20 Secrets: more than one LIST page of each group, so
# the outcomes of objects on later pages come from what those pages held.
many() { # FILE [SED-EXPR]
    python3 - "$NS" >"$1" <<'PY2'
import sys
ns = sys.argv[1]
for i in range(250):
    print(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many-{i}\n  namespace: {ns}\n"
          f"  labels: {{set: many, idx: '{i}'}}\ndata:\n  v: value-{i}\n")
for i in range(20):
    print(f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: many-s{i}\n  namespace: {ns}\n"
          f"stringData:\n  p: pass-{i}\n")
PY2
}
rvs() { kc get cm,secret -n "$NS" -l set=many -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}' 2>/dev/null; }
many "$W/many.yaml"
run many -f "$W/many.yaml"
if [ "$(rc many)" = 0 ] && [ "$(grep -c ' created$' "$W/many.out")" = 270 ]; then
    t_pass "270 objects created"
else
    t_fail "many: $(head -3 "$W/many.err")"
fi
before=$(rvs)
run many-again -f "$W/many.yaml"
if [ "$(rc many-again)" = 0 ] && [ "$(grep -c ' unchanged$' "$W/many-again.out")" = 270 ] &&
    [ "$(rvs)" = "$before" ]; then
    t_pass "270 objects unchanged, no resourceVersion moved"
else
    t_fail "many unchanged: $(grep -v unchanged "$W/many-again.out" | head -3) $(head -3 "$W/many-again.err")"
fi
# One value changed on the second page, one label dropped on the third, one
# Secret value changed, and one object listed twice.
sed -e 's/v: value-130$/v: changed/' -e "s/labels: {set: many, idx: '240'}/labels: {set: many}/" \
    -e 's/p: pass-7$/p: changed/' "$W/many.yaml" >"$W/many2.yaml"
printf -- "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many-3\n  namespace: %s\n  labels: {set: many, idx: '3'}\ndata:\n  v: value-3\n" "$NS" >>"$W/many2.yaml"
run many-change -f "$W/many2.yaml"
if [ "$(rc many-change)" = 0 ] &&
    [ "$(grep -v ' unchanged$' "$W/many-change.out" | sort | tr '\n' ' ')" = "configmap/many-130 configured configmap/many-240 configured secret/many-s7 configured " ] &&
    [ "$(grep -c '^configmap/many-3 unchanged$' "$W/many-change.out")" = 2 ] &&
    [ "$(jp cm many-130 -n "$NS" -o jsonpath='{.data.v}')" = changed ] &&
    [ -z "$(jp cm many-240 -n "$NS" -o jsonpath='{.metadata.labels.idx}')" ] &&
    [ "$(jp secret many-s7 -n "$NS" -o jsonpath='{.data.p}' | base64 -d)" = changed ]; then
    t_pass "among 271: exactly the changed objects configured (later pages, a Secret, a name twice)"
else
    t_fail "many changed: $(grep -v ' unchanged$' "$W/many-change.out" | head -5) $(head -3 "$W/many-change.err")"
fi

# A value holding a NUL character (YAML's "\0"): the server's answer and
# the live object carry \u0000 and must still be read.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nul\n  namespace: %s\ndata:\n  v: "a\\0b"\n' "$NS" >"$W/nul.yaml"
run nul -f "$W/nul.yaml"
run nul-again -f "$W/nul.yaml"
if [ "$(rc nul)" = 0 ] && expect_lines nul "configmap/nul created" && [ "$(rc nul-again)" = 0 ] &&
    expect_lines nul-again "configmap/nul unchanged" &&
    [ "$(kc get cm nul -n "$NS" -o json | python3 -c 'import json,sys; print(repr(json.load(sys.stdin)["data"]["v"]))')" = "'a\\x00b'" ]; then
    t_pass "a value with a NUL character: created, then unchanged"
else
    t_fail "NUL value: $(cat "$W/nul.err" "$W/nul-again.err" | head -3)"
fi

# --- conflicts with another field manager -------------------------------------
cat >"$W/other.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: $NS}
data: {greeting: hola}
EOF
kc apply --server-side --field-manager other --force-conflicts -f "$W/other.yaml" >/dev/null 2>&1
run conflict -f "$W/update.yaml"
if [ "$(rc conflict)" = 1 ] &&
    grep -q 'configmap/app: Apply failed with 1 conflict: conflict with "other".*\.data\.greeting' \
        "$W/conflict.err" &&
    [ "$(jp cm app -n "$NS" -o jsonpath='{.data.greeting}')" = hola ]; then
    t_pass "conflict: error names the other manager and field; nothing written"
else
    t_fail "conflict: rc $(rc conflict): $(cat "$W/conflict.err" | head -3)"
fi
if grep -q '^secret/creds unchanged$' "$W/conflict.out"; then
    t_pass "conflict: the other objects are still applied"
else
    t_fail "conflict: other objects: $(cat "$W/conflict.out")"
fi

run force -f "$W/update.yaml" --force-conflicts
owner=$(jp cm app -n "$NS" -o json --show-managed-fields | python3 -c '
import json,sys
for m in json.load(sys.stdin)["metadata"]["managedFields"]:
    if "f:greeting" in json.dumps(m.get("fieldsV1",{})): print(m["manager"])')
if [ "$(rc force)" = 0 ] && grep -q '^configmap/app configured$' "$W/force.out" &&
    [ "$(jp cm app -n "$NS" -o jsonpath='{.data.greeting}')" = bonjour ] && [ "$owner" = covert ]; then
    t_pass "--force-conflicts takes the field over"
else
    t_fail "--force-conflicts: owner '$owner' $(cat "$W/force.err" | head -3)"
fi

# --- dry run -------------------------------------------------------------------
sed 's/greeting: bonjour/greeting: salut/' "$W/update.yaml" >"$W/dry.yaml"
cat >>"$W/dry.yaml" <<EOF
---
apiVersion: v1
kind: ConfigMap
metadata: {name: dry-new, namespace: $NS}
data: {x: "1"}
EOF
run dry -f "$W/dry.yaml" --dry-run=server
if [ "$(rc dry)" = 0 ] && expect_lines dry "namespace/$NS unchanged (server dry run)" \
    "configmap/app configured (server dry run)" "secret/creds unchanged (server dry run)" \
    "configmap/dry-new created (server dry run)" &&
    [ "$(jp cm app -n "$NS" -o jsonpath='{.data.greeting}')" = bonjour ] &&
    ! kc get cm dry-new -n "$NS" >/dev/null 2>&1; then
    t_pass "dry run: outcomes reported, nothing persisted"
else
    t_fail "dry run: $(cat "$W/dry.err" "$W/dry.diff" | head -6)"
fi

# --- CRD and its custom resources in one apply; cluster-scoped kinds -----------
cat >"$W/crd.yaml" <<EOF
apiVersion: example.invalid/v1
kind: Placeholder
metadata: {name: first-in-file-but-unknown}
---
apiVersion: $GROUP/v1
kind: Gizmo
metadata: {name: g1, namespace: $NS}
spec: {size: 3}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.$GROUP}
spec:
  group: $GROUP
  names: {kind: Gizmo, plural: gizmos, singular: gizmo, listKind: GizmoList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: covert-e2e-$$}
rules:
- apiGroups: [$GROUP]
  resources: [gizmos]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: gizmo-reader}
rules:
- apiGroups: [$GROUP]
  resources: [gizmos]
  verbs: [get, list]
EOF
run crd -f "$W/crd.yaml" -n "$NS"
if grep -q "^customresourcedefinition.apiextensions.k8s.io/gizmos.$GROUP created$" "$W/crd.out" &&
    grep -q "^gizmo.$GROUP/g1 created$" "$W/crd.out" &&
    [ "$(jp "gizmos.$GROUP" g1 -n "$NS" -o jsonpath='{.spec.size}')" = 3 ]; then
    t_pass "CRD and its custom resource in one apply"
else
    t_fail "CRD + CR: $(cat "$W/crd.out" "$W/crd.err" | head -6)"
fi
# Stage order: definitions (CRD, ClusterRole) before the rest.
first=$(head -2 "$W/crd.out" | cut -d/ -f1 | sort | tr '\n' ' ')
if [ "$first" = "clusterrole.rbac.authorization.k8s.io customresourcedefinition.apiextensions.k8s.io " ]; then
    t_pass "definitions are applied first"
else
    t_fail "stage order: $(cat "$W/crd.out")"
fi
if [ "$(jp clusterrole "covert-e2e-$$" -o jsonpath='{.metadata.namespace}|{.rules[0].verbs[0]}')" = "|get" ] &&
    [ "$(jp role gizmo-reader -n "$NS" -o jsonpath='{.metadata.namespace}')" = "$NS" ]; then
    t_pass "cluster-scoped and namespaced kinds (-n for objects without a namespace)"
else
    t_fail "scopes: $(cat "$W/crd.err" | head -3)"
fi
if [ "$(rc crd)" = 1 ] &&
    grep -q '^covert: error: placeholder.example.invalid/first-in-file-but-unknown: no matches for kind "Placeholder" in version "example.invalid/v1"$' "$W/crd.err"; then
    t_pass "unknown kind: kubectl's error, exit 1, the rest applied"
else
    t_fail "unknown kind: rc $(rc crd): $(cat "$W/crd.err" | head -3)"
fi

# --- YAML as kubectl reads it: the same document applied by both --------------
cat >"$W/yaml.yaml" <<'EOF'
apiVersion: GROUP/v1
kind: Gizmo
metadata: {name: yamlish}
spec:
  base: &base {shared: true, n: 1}
  merged:
    <<: *base
    n: 2
  multi:
    <<: [{a: 1, b: 1}, {b: 2, c: 2}]
  octal: 0755
  hex: 0x1F
  under: 1_000
  float: 1.5e3
  big: 12345678901234
  neg: -7
  yes_word: yes
  off_word: off
  tilde: ~
  quoted: "0755"
  date: 2024-01-02
  stamp: 2001-12-14t21:59:43.10-05:00
  folded: >
    one
    two
  literal: |
    line1
    line2
  keep: |+
    kept

  list: [a, "b", 3, {k: v}]
  1: numeric key
  true: bool key
  empty:
  nested: {deep: {deeper: [[1, 2], [3]]}}
  alias: *base
EOF
sed -i "s/GROUP/$GROUP/" "$W/yaml.yaml"
"${KUBECTL[@]}" create namespace "$NS2" >/dev/null 2>&1
run yaml -f "$W/yaml.yaml" -n "$NS"
kc apply --server-side --field-manager covert -n "$NS2" -f "$W/yaml.yaml" >/dev/null 2>"$W/yaml.kerr"
a=$(jp "gizmos.$GROUP" yamlish -n "$NS" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["spec"], sort_keys=True))')
b=$(jp "gizmos.$GROUP" yamlish -n "$NS2" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["spec"], sort_keys=True))')
[ -n "${VERBOSE:-}" ] && echo "covert: $a" >&2
if [ "$(rc yaml)" = 0 ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
    t_pass "YAML scalars, anchors, merge keys, block scalars: same object as kubectl's"
else
    t_fail "YAML vs kubectl: covert $a / kubectl $b $(cat "$W/yaml.err" "$W/yaml.kerr" | head -3)"
fi

# --- credentials -----------------------------------------------------------------
cm_only() {
    cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: $1, namespace: $NS}
data: {by: "$1"}
EOF
}
cm_only by-cert >"$W/cert.yaml"
run cert -f "$W/cert.yaml" --context covert-cert
mgr_user=$(jp cm by-cert -n "$NS" -o jsonpath='{.data.by}')
if [ "$(rc cert)" = 0 ] && grep -q '^configmap/by-cert created$' "$W/cert.out" && [ "$mgr_user" = by-cert ]; then
    t_pass "client-certificate auth (data in the kubeconfig)"
else
    t_fail "client cert: $(cat "$W/cert.err" | head -3)"
fi

# A user with only files, given by relative paths (resolved against the
# kubeconfig's directory), and no RBAC rights: the server's 403 comes back.
mkdir -p "$W/kc/certs"
cp "$COVERT_CERT_VIEWER" "$W/kc/certs/viewer.crt"
cp "$COVERT_KEY_VIEWER" "$W/kc/certs/viewer.key"
printf '%s\n' "$COVERT_TOKEN_VIEWER" >"$W/kc/token"
cat >"$W/kc/config" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: $COVERT_CLUSTER_SERVER, certificate-authority: $COVERT_CLUSTER_CA}
users:
- name: viewer-cert
  user: {client-certificate: certs/viewer.crt, client-key: certs/viewer.key}
- name: viewer-token
  user: {tokenFile: token}
contexts:
- name: cert
  context: {cluster: c, user: viewer-cert}
- name: token
  context: {cluster: c, user: viewer-token}
current-context: cert
EOF
cm_only denied >"$W/denied.yaml"
(cd / && run forbidden-cert -f "$W/denied.yaml" --kubeconfig "$W/kc/config")
if [ "$(rc forbidden-cert)" = 1 ] &&
    grep -q 'configmaps "denied" is forbidden: User "covert-cert-viewer" cannot patch resource "configmaps" in API group "" in the namespace "'"$NS"'"' "$W/forbidden-cert.err"; then
    t_pass "client certificate from files (relative paths); 403 names user, verb, resource"
else
    t_fail "cert files / 403: $(cat "$W/forbidden-cert.err" | head -3)"
fi
run forbidden-token -f "$W/denied.yaml" --kubeconfig "$W/kc/config" --context token
if [ "$(rc forbidden-token)" = 1 ] && grep -q 'User "covert-viewer" cannot patch' "$W/forbidden-token.err"; then
    t_pass "tokenFile auth (relative path)"
else
    t_fail "tokenFile: $(cat "$W/forbidden-token.err" | head -3)"
fi

cm_only by-token >"$W/token.yaml"
run token -f "$W/token.yaml" --context covert
if [ "$(rc token)" = 0 ] && grep -q '^configmap/by-token created$' "$W/token.out"; then
    t_pass "token auth"
else
    t_fail "token: $(cat "$W/token.err" | head -3)"
fi

# KUBECONFIG with two files: the first file's entries win, the rest fill in.
cat >"$W/kc/first" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: $COVERT_CLUSTER_SERVER, certificate-authority: $COVERT_CLUSTER_CA}
contexts:
- name: merged
  context: {cluster: c, user: admin}
current-context: merged
EOF
cat >"$W/kc/second" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: https://127.0.0.1:1}
users:
- name: admin
  user: {token: $COVERT_TOKEN_ADMIN}
current-context: nowhere
EOF
cm_only by-merge >"$W/merge.yaml"
KUBECONFIG="$W/kc/missing:$W/kc/first:$W/kc/second" run merge -f "$W/merge.yaml"
if [ "$(rc merge)" = 0 ] && grep -q '^configmap/by-merge created$' "$W/merge.out"; then
    t_pass "KUBECONFIG merge (missing file skipped, first definition wins)"
else
    t_fail "KUBECONFIG merge: $(cat "$W/merge.err" | head -3)"
fi

# Exec credential plugin (client.authentication.k8s.io/v1).
cat >"$W/kc/plugin.sh" <<EOF
#!/bin/sh
printf '%s' "\$KUBERNETES_EXEC_INFO" >"$W/kc/exec-info.json"
[ "\$1" = fail ] && exit 3
cat <<JSON
{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
 "status":{"token":"$COVERT_TOKEN_ADMIN","expirationTimestamp":"2099-01-01T00:00:00Z"}}
JSON
EOF
chmod +x "$W/kc/plugin.sh"
exec_kc() { # exec_kc ARG: a kubeconfig whose user runs the plugin with ARG
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: $COVERT_CLUSTER_SERVER, certificate-authority: $COVERT_CLUSTER_CA}
users:
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: [$1]
      env: [{name: FOO, value: bar}]
      interactiveMode: Never
      provideClusterInfo: true
contexts:
- name: x
  context: {cluster: c, user: plugin}
current-context: x
EOF
}
exec_kc ok >"$W/kc/exec"
cm_only by-exec >"$W/exec.yaml"
run exec -f "$W/exec.yaml" --kubeconfig "$W/kc/exec"
info=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(d["kind"], d["apiVersion"], d["spec"]["interactive"], d["spec"]["cluster"]["server"])' "$W/kc/exec-info.json" 2>&1)
if [ "$(rc exec)" = 0 ] && grep -q '^configmap/by-exec created$' "$W/exec.out" &&
    [ "$info" = "ExecCredential client.authentication.k8s.io/v1 False $COVERT_CLUSTER_SERVER" ]; then
    t_pass "exec plugin auth (ExecCredential v1, KUBERNETES_EXEC_INFO with cluster info)"
else
    t_fail "exec plugin: $info $(cat "$W/exec.err" | head -3)"
fi
exec_kc fail >"$W/kc/exec-fail"
run exec-fail -f "$W/exec.yaml" --kubeconfig "$W/kc/exec-fail"
if [ "$(rc exec-fail)" = 1 ] && grep -q "exec: executable $W/kc/plugin.sh failed with exit code 3" "$W/exec-fail.err"; then
    t_pass "exec plugin failure: client-go's message"
else
    t_fail "exec failure: $(cat "$W/exec-fail.err" | head -3)"
fi

t_done
