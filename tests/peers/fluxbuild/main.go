// fluxbuild: the Flux reference renderer for covert's parity tests, built on
// Flux's own code at the versions kustomize-controller v1.9.4 pins
// (fluxcd/pkg/kustomize v1.35.4 for the generated kustomization, the build
// and postBuild substitution; fluxcd/pkg/envsubst v1.7.0; fluxcd/pkg/ssa
// v0.76.1 for reading objects, owner labels and commonMetadata; sops v3.13.2
// for decryption as the controller's decryptor does it; fluxcd/pkg/sourceignore
// v0.18.0, source-controller's ignore rules, for source artifacts).
//
//	fluxbuild --version
//	fluxbuild unicode-tables           C tables of Go's unicode package
//	fluxbuild varnames NAMES.json      [name] -> [{name, ok}] by Flux's var name regexp
//	fluxbuild envsubst CASES.json      cases [{input|input_b64, vars, strict}]
//	                                   -> the same cases with their results
//	fluxbuild [--strict=true|false] [--objects-dir DIR] REPO ENTRY...
//
// The build mode walks the Flux Kustomizations reachable from the entry files
// (every sourceRef is REPO itself, filtered as the artifact of a known
// GitRepository or OCIRepository: source.go) in two passes and prints, per
// Kustomization, "# Kustomization NS/NAME" and its objects (see
// RENDER-CONTRACT.md "The Flux walk"). SOPS identities come from
// SOPS_AGE_KEY_FILE. It never redacts.
//
// --objects-dir DIR stands for a cluster (cluster.go): the ConfigMap and
// Secret objects of DIR's YAML files are what the controller's client would
// read (as `covert build --kubeconfig` reads a real API server); one pass,
// substituteFrom reads them, and a Kustomization's
// spec.decryption.secretRef Secret is imported as the controller's
// ImportKeys does.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fluxcd/pkg/envsubst"
	"github.com/fluxcd/pkg/envsubst/parse"
)

const version = "fluxbuild kustomize-controller/v1.9.4 pkg/kustomize/v1.35.4 envsubst/v1.7.0 ssa/v0.76.1 sops/v3.13.2 sourceignore/v0.18.0 decrypt-sources"

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println(version)
		return
	}
	if len(args) == 1 && args[0] == "unicode-tables" {
		printUnicodeTables(os.Stdout)
		return
	}
	if len(args) == 2 && args[0] == "varnames" {
		if err := runVarnames(args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "fluxbuild:", err)
			os.Exit(2)
		}
		return
	}
	if len(args) == 2 && args[0] == "envsubst" {
		if err := runEnvsubst(args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "fluxbuild:", err)
			os.Exit(2)
		}
		return
	}
	strict, objectsDir := true, ""
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		switch {
		case args[0] == "--strict=true":
		case args[0] == "--strict=false":
			strict = false
		case args[0] == "--objects-dir" && len(args) > 1:
			objectsDir = args[1]
			args = args[1:]
		default:
			usage()
		}
		args = args[1:]
	}
	if len(args) < 2 {
		usage()
	}
	failed, err := runBuild(args[0], args[1:], strict, objectsDir, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fluxbuild:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fluxbuild --version | envsubst CASES.json | [--strict=true|false] [--objects-dir DIR] REPO ENTRY...")
	os.Exit(2)
}

// ---- envsubst vectors -------------------------------------------------

type envCase struct {
	Name     string            `json:"name,omitempty"`
	Input    *string           `json:"input,omitempty"`
	InputB64 *string           `json:"input_b64,omitempty"`
	Vars     map[string]string `json:"vars"`
	VarsB64  map[string]string `json:"vars_b64,omitempty"`
	Strict   bool              `json:"strict"`
	// Results, filled in here.
	Output    *string `json:"output,omitempty"`
	OutputB64 *string `json:"output_b64,omitempty"`
	Error     string  `json:"error,omitempty"`
	ErrorKind string  `json:"error_kind,omitempty"`
}

// runEnvsubst evaluates each case exactly as kustomize_varsub.go calls
// envsubst.Eval (the mapping differs between strict and non-strict mode).
func runEnvsubst(path string) error {
	var cases []envCase
	if err := readJSON(path, &cases); err != nil {
		return err
	}
	for i := range cases {
		c := &cases[i]
		in, err := caseInput(c)
		if err != nil {
			return fmt.Errorf("case %d: %w", i, err)
		}
		vars, err := caseVars(c)
		if err != nil {
			return fmt.Errorf("case %d: %w", i, err)
		}
		out, err := evalCase(in, vars, c.Strict)
		if err != nil {
			c.Error, c.ErrorKind = err.Error(), errorKind(err)
			continue
		}
		if utf8.ValidString(out) {
			c.Output = &out
		} else {
			b := base64.StdEncoding.EncodeToString([]byte(out))
			c.OutputB64 = &b
		}
	}
	return writeJSON(cases)
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func writeJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// runVarnames checks names with the regexp kustomize_varsub.go applies to
// the variables it is given.
func runVarnames(path string) error {
	var names []string
	if err := readJSON(path, &names); err != nil {
		return err
	}
	re := regexp.MustCompile("^[_[:alpha:]][_[:alpha:][:digit:]]*$")
	type result struct {
		Name string `json:"name"`
		OK   bool   `json:"ok"`
	}
	out := make([]result, 0, len(names))
	for _, n := range names {
		out = append(out, result{n, re.MatchString(n)})
	}
	return writeJSON(out)
}

func caseInput(c *envCase) (string, error) {
	switch {
	case c.Input != nil:
		return *c.Input, nil
	case c.InputB64 != nil:
		b, err := base64.StdEncoding.DecodeString(*c.InputB64)
		return string(b), err
	}
	return "", errors.New("no input")
}

// caseVars: vars, plus vars_b64 for values that are not valid UTF-8.
func caseVars(c *envCase) (map[string]string, error) {
	vars := map[string]string{}
	for k, v := range c.Vars {
		vars[k] = v
	}
	for k, v := range c.VarsB64 {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, err
		}
		vars[k] = string(b)
	}
	return vars, nil
}

type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }

func evalCase(in string, vars map[string]string, strict bool) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", panicError{r}
		}
	}()
	return envsubst.Eval(in, func(s string) (string, bool) {
		if strict {
			v, ok := vars[s]
			return v, ok
		}
		return vars[s], true
	})
}

func errorKind(err error) string {
	var p panicError
	switch {
	case errors.As(err, &p):
		return "panic"
	case errors.Is(err, parse.ErrBadSubstitution), errors.Is(err, parse.ErrMissingClosingBrace),
		errors.Is(err, parse.ErrParseVariableName), errors.Is(err, parse.ErrParseFuncSubstitution),
		errors.Is(err, parse.ErrParseDefaultFunction):
		return "syntax"
	case strings.HasPrefix(err.Error(), "variable not set (strict mode)"):
		return "undefined"
	}
	return "other"
}
