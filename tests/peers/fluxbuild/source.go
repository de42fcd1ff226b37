package main

// Source artifacts: a Kustomization whose sourceRef names a GitRepository or
// OCIRepository the walk knows (in the entry files, or emitted earlier in
// the same pass; first occurrence wins) sees the repository as
// source-controller archives it for that object: .sourceignore files and
// spec.ignore loaded by fluxcd/pkg/sourceignore, the filter of
// fluxcd/pkg/artifact/storage.SourceIgnoreFilter, the walk of
// Storage.Archive (regular files and directories only, a filtered directory
// still walked), extracted as kustomize-controller extracts it (parents of
// every file created). Other sources are the whole repository.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxcd/pkg/sourceignore"
	"github.com/fluxcd/pkg/sourceignore/gitignore"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const sourceGroup = "source.toolkit.fluxcd.io"

func isFluxSource(u *unstructured.Unstructured) bool {
	k := u.GetKind()
	return strings.HasPrefix(u.GetAPIVersion(), sourceGroup+"/") &&
		(k == "GitRepository" || k == "OCIRepository")
}

func sourceKey(kind, ns, name string) string {
	if ns == "" {
		ns = "default"
	}
	return kind + "/" + ns + "/" + name
}

// note remembers a source object the first time its kind/namespace/name is seen.
func (w *walker) note(u *unstructured.Unstructured) {
	if !isFluxSource(u) {
		return
	}
	k := sourceKey(u.GetKind(), u.GetNamespace(), u.GetName())
	if _, dup := w.sources[k]; !dup {
		w.sources[k] = u.DeepCopy()
	}
}

// sourceIgnore returns spec.ignore (nil when unset) after refusing what
// covert does not model either.
func sourceIgnore(src *unstructured.Unstructured) (*string, error) {
	id := fmt.Sprintf("%s %s/%s", src.GetKind(), namespaceOr(src), src.GetName())
	if src.GetKind() == "GitRepository" {
		for _, f := range []string{"include", "sparseCheckout"} {
			v, found, _ := unstructured.NestedFieldNoCopy(src.Object, "spec", f)
			if l, ok := v.([]any); found && v != nil && (!ok || len(l) > 0) {
				return nil, fmt.Errorf("%s: spec.%s is not supported", id, f)
			}
		}
	}
	if op, _, _ := unstructured.NestedString(src.Object, "spec", "layerSelector", "operation"); op == "copy" {
		return nil, fmt.Errorf("%s: spec.layerSelector.operation copy is not supported", id)
	}
	v, found, _ := unstructured.NestedFieldNoCopy(src.Object, "spec", "ignore")
	if !found || v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s: spec.ignore: expected a string", id)
	}
	return &s, nil
}

func namespaceOr(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return ns
	}
	return "default"
}

// copySource fills dst with what the Kustomization's source hands it.
func (w *walker) copySource(kind, ns, name, dst string) error {
	src, known := w.sources[sourceKey(kind, ns, name)]
	if !known {
		return copyTree(w.repo, dst)
	}
	ignore, err := sourceIgnore(src)
	if err != nil {
		return err
	}
	return copyArtifact(w.repo, dst, ignore)
}

// copyArtifact: the archive source-controller writes for dir, extracted into dst.
func copyArtifact(dir, dst string, ignore *string) error {
	domain := strings.Split(dir, string(filepath.Separator))
	ps, err := sourceignore.LoadIgnorePatterns(dir, domain)
	if err != nil {
		return err
	}
	if ignore != nil {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(*ignore), domain)...)
	}
	filter := sourceIgnoreFilter(ps, domain)
	return filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if m := fi.Mode(); !(m.IsRegular() || m.IsDir()) || filter(p, fi) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// sourceIgnoreFilter is fluxcd/pkg/artifact/storage.SourceIgnoreFilter
// (v0.18.0), restated here to keep that module's dependencies out of this
// program: the default matcher without user patterns, else the VCS patterns
// followed by the user's.
func sourceIgnoreFilter(ps []gitignore.Pattern, domain []string) func(string, os.FileInfo) bool {
	matcher := sourceignore.NewDefaultMatcher(ps, domain)
	if len(ps) > 0 {
		ps = append(sourceignore.VCSPatterns(domain), ps...)
		matcher = sourceignore.NewMatcher(ps)
	}
	return func(p string, fi os.FileInfo) bool {
		return matcher.Match(strings.Split(p, string(filepath.Separator)), fi.IsDir())
	}
}
