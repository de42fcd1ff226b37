// fluxgen: fluxcd/pkg/kustomize's Generator (the kustomization Flux builds
// for a Kustomization) as a command, for covert's unit vectors of
// reconcile/flux/gen.c.
//
//	fluxgen --version
//	fluxgen ROOT KS.yaml        the generated/merged kustomization for the
//	                            Kustomization object in KS.yaml at
//	                            ROOT/spec.path (securejoin), printed and
//	                            never written (the tree is left as it was)
package main

import (
	"fmt"
	"os"
	"path/filepath"

	securejoin "github.com/cyphar/filepath-securejoin"
	generator "github.com/fluxcd/pkg/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const version = "fluxgen pkg/kustomize/v1.35.4"

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println(version)
		return
	}
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fluxgen --version | ROOT KS.yaml")
		os.Exit(2)
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		fail(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		fail(err)
	}
	root, err := filepath.Abs(args[0])
	if err != nil {
		fail(err)
	}
	path, _, _ := unstructured.NestedString(obj, "spec", "path")
	dir, err := securejoin.SecureJoin(root, path)
	if err != nil {
		fail(err)
	}
	g := generator.NewGenerator(root, unstructured.Unstructured{Object: obj})
	manifest, _, _, err := g.GenerateManifest(dir)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(manifest)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fluxgen:", err)
	os.Exit(2)
}
