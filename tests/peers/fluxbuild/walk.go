package main

// The Flux walk: breadth-first over Kustomizations, two passes (pass 1
// records ConfigMaps and Secrets for substituteFrom, pass 2 renders).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	generator "github.com/fluxcd/pkg/kustomize"
	"github.com/fluxcd/pkg/ssa"
	ssautil "github.com/fluxcd/pkg/ssa/utils"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"
)

const ksGroup = "kustomize.toolkit.fluxcd.io"

type ksResult struct {
	key       string
	suspended bool
	err       error
	objects   []*unstructured.Unstructured
}

type walker struct {
	repo   string
	strict bool
	subst  bool          // pass 2: run postBuild
	kube   client.Client // pass 2: pass 1's ConfigMaps and Secrets (or the objects dir)
	live   bool          // kube stands for a cluster: decryption Secrets come from it
	record map[string]*unstructured.Unstructured
	order  []string
	// source objects known in this pass (source.go)
	sources map[string]*unstructured.Unstructured
}

func runBuild(repo string, entryFiles []string, strict bool, objectsDir string, out io.Writer) (bool, error) {
	repo, err := filepath.Abs(repo)
	if err != nil {
		return false, err
	}
	var entries []*unstructured.Unstructured
	for _, f := range entryFiles {
		objs, err := readEntries(filepath.Join(repo, f))
		if err != nil {
			return false, err
		}
		entries = append(entries, objs...)
	}
	if objectsDir != "" {
		kube, err := clusterClient(objectsDir)
		if err != nil {
			return false, err
		}
		live := &walker{repo: repo, strict: strict, subst: true, kube: kube, live: true}
		return printResults(out, live.walk(entries))
	}
	pass1 := &walker{repo: repo, strict: strict, record: map[string]*unstructured.Unstructured{}}
	pass1.walk(entries)
	kube, err := fakeClient(pass1)
	if err != nil {
		return false, err
	}
	pass2 := &walker{repo: repo, strict: strict, subst: true, kube: kube}
	results := pass2.walk(entries)
	return printResults(out, results)
}

func printResults(out io.Writer, results []ksResult) (bool, error) {
	failed := false
	for _, r := range results {
		fmt.Fprintf(out, "# Kustomization %s\n", r.key)
		switch {
		case r.suspended:
			fmt.Fprint(out, "# suspended\n")
		case r.err != nil:
			failed = true
			msg := strings.ReplaceAll(r.err.Error(), "\n", " ")
			fmt.Fprintf(out, "# error: %s\n", msg)
		default:
			for _, o := range r.objects {
				b, err := yaml.Marshal(o.Object)
				if err != nil {
					return failed, err
				}
				fmt.Fprintf(out, "---\n%s", b)
			}
		}
	}
	return failed, nil
}

// readEntries returns the Flux Kustomization and source objects of one
// YAML file, in file order.
func readEntries(path string) ([]*unstructured.Unstructured, error) {
	return readObjects(path, func(u *unstructured.Unstructured) bool {
		return isFluxKustomization(u) || isFluxSource(u)
	})
}

// readObjects: the objects of one YAML (or JSON) stream that keep accepts.
func readObjects(path string, keep func(*unstructured.Unstructured) bool) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		u := &unstructured.Unstructured{Object: m}
		if m != nil && keep(u) {
			out = append(out, u)
		}
	}
}

func isFluxKustomization(u *unstructured.Unstructured) bool {
	return u.GetKind() == "Kustomization" && strings.HasPrefix(u.GetAPIVersion(), ksGroup+"/")
}

func ksKey(u *unstructured.Unstructured) string {
	ns := u.GetNamespace()
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + u.GetName()
}

func (w *walker) walk(entries []*unstructured.Unstructured) []ksResult {
	w.sources = map[string]*unstructured.Unstructured{}
	var queue []*unstructured.Unstructured
	for _, e := range entries {
		w.note(e)
		if isFluxKustomization(e) {
			queue = append(queue, e)
		}
	}
	seen := map[string]bool{}
	var results []ksResult
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		key := ksKey(u)
		if seen[key] {
			continue
		}
		seen[key] = true
		r := w.one(u, key)
		results = append(results, r)
		for _, o := range r.objects {
			w.note(o)
			if isFluxKustomization(o) {
				queue = append(queue, o)
			}
		}
	}
	return results
}

func (w *walker) one(u *unstructured.Unstructured, key string) ksResult {
	var obj kustomizev1.Kustomization
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &obj); err != nil {
		return ksResult{key: key, err: err}
	}
	if obj.Namespace == "" {
		obj.Namespace = "default"
	}
	if obj.Spec.Suspend {
		return ksResult{key: key, suspended: true}
	}
	objs, err := w.build(&obj)
	if err != nil {
		return ksResult{key: key, err: err}
	}
	if w.record != nil {
		for _, o := range objs {
			w.remember(o)
		}
	}
	return ksResult{key: key, objects: objs}
}

func (w *walker) remember(o *unstructured.Unstructured) {
	if o.GetAPIVersion() != "v1" || (o.GetKind() != "ConfigMap" && o.GetKind() != "Secret") {
		return
	}
	k := o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
	if _, dup := w.record[k]; !dup {
		w.record[k] = o.DeepCopy()
		w.order = append(w.order, k)
	}
}

// fakeClient serves pass 1's objects as the API server would: Secret
// stringData merged into data (base64 already decoded by the typed read).
func fakeClient(w *walker) (client.Client, error) {
	var list []*unstructured.Unstructured
	for _, k := range w.order {
		list = append(list, w.record[k])
	}
	return typedClient(list)
}

func typedClient(list []*unstructured.Unstructured) (client.Client, error) {
	var objs []client.Object
	for _, o := range list {
		switch o.GetKind() {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &cm); err != nil {
				continue
			}
			objs = append(objs, &cm)
		case "Secret":
			var s corev1.Secret
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &s); err != nil {
				continue
			}
			if s.Data == nil {
				s.Data = map[string][]byte{}
			}
			for k, v := range s.StringData {
				s.Data[k] = []byte(v)
			}
			s.StringData = nil
			objs = append(objs, &s)
		}
	}
	return fake.NewClientBuilder().WithObjects(objs...).Build(), nil
}

// build runs kustomize-controller's pipeline for one Kustomization on a fresh
// copy of the repository (Flux extracts the artifact anew for every run, and
// the generator rewrites kustomization.yaml in place).
func (w *walker) build(obj *kustomizev1.Kustomization) ([]*unstructured.Unstructured, error) {
	tmp, err := os.MkdirTemp("", "kustomization-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	ref := obj.Spec.SourceRef
	refNS := ref.Namespace
	if refNS == "" {
		refNS = obj.Namespace
	}
	if err := w.copySource(ref.Kind, refNS, ref.Name, tmp); err != nil {
		return nil, err
	}
	dirPath, err := securejoin.SecureJoin(tmp, obj.Spec.Path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dirPath); err != nil {
		return nil, fmt.Errorf("kustomization path not found: %w", err)
	}
	k, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := unstructured.Unstructured{Object: k}
	if _, err := generator.NewGenerator(tmp, u).WriteFile(dirPath); err != nil {
		return nil, err
	}
	resources, err := w.kustomize(obj, u, tmp, dirPath)
	if err != nil {
		return nil, err
	}
	objects, err := ssautil.ReadObjects(bytes.NewReader(resources))
	if err != nil {
		return nil, err
	}
	rm := ssa.NewResourceManager(nil, nil, ssa.Owner{Field: "kustomize-controller", Group: ksGroup})
	rm.SetOwnerLabels(objects, obj.GetName(), obj.GetNamespace())
	if cm := obj.Spec.CommonMetadata; cm != nil {
		ssautil.SetCommonMetadata(objects, cm.Labels, cm.Annotations)
	}
	return objects, nil
}

// kustomize is the controller's build(): kustomize, then per resource
// decryption and (pass 2) postBuild substitution.
func (w *walker) kustomize(obj *kustomizev1.Kustomization, u unstructured.Unstructured,
	root, dirPath string) ([]byte, error) {
	var keys *importedKeys
	if w.live {
		var err error
		if keys, err = importKeys(context.Background(), w.kube, obj); err != nil {
			return nil, err
		}
		defer keys.close()
	}
	if d := obj.Spec.Decryption; d != nil && d.Provider == "sops" {
		if err := decryptSources(root, dirPath, keys); err != nil {
			return nil, fmt.Errorf("error decrypting sources: %w", err)
		}
	}
	m, err := generator.SecureBuild(root, dirPath, true)
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}
	for _, res := range m.Resources() {
		if res.GetName() == "" || res.GetKind() == "" || res.GetApiVersion() == "" {
			return nil, fmt.Errorf("failed to decode Kubernetes apiVersion, kind and name from: %v", res.String())
		}
		if obj.Spec.Decryption != nil {
			outRes, err := decryptResource(obj, res, keys)
			if err != nil {
				return nil, fmt.Errorf("decryption failed for '%s/%s': %w", res.GetGvk(), res.GetName(), err)
			}
			if outRes != nil {
				if _, err := m.Replace(res); err != nil {
					return nil, err
				}
			}
		}
		if w.subst && obj.Spec.PostBuild != nil {
			always := obj.GetSubstituteStrategy() == kustomizev1.SubstituteStrategyAlways
			outRes, err := generator.SubstituteVariables(context.Background(), w.kube, u, res,
				generator.SubstituteWithStrict(w.strict), generator.SubstituteWithAlways(always))
			if err != nil {
				return nil, fmt.Errorf("post build failed for '%s/%s': %w", res.GetGvk(), res.GetName(), err)
			}
			if outRes != nil {
				if _, err := m.Replace(res); err != nil {
					return nil, err
				}
			}
		}
	}
	resources, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}
	return resources, nil
}

// copyTree copies regular files and directories (symlinks are not part of a
// Flux artifact).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
		return nil
	})
}
