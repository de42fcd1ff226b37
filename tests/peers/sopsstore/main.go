// sopsstore runs sops v3.13.2's own store code (no encryption) so covert's
// codecs can be compared with it byte for byte:
//
//	sopsstore [-indent N] STORE roundtrip FILE   EmitPlainFile(LoadPlainFile(FILE))
//	sopsstore [-indent N] -to OUT STORE roundtrip FILE   the same, emitted by store OUT
//	sopsstore [-indent N] STORE tree FILE        the loaded tree as typed JSON
//	sopsstore [-indent N] STORE encrypted FILE   EmitEncryptedFile(LoadEncryptedFile(FILE))
//	sopsstore STORE metadata FILE                metadata read from an encrypted FILE, as JSON
//	sopsstore [-prefix P] STORE flatten FILE     sops's flattenTreeBranch(first branch, P), typed JSON
//	sopsstore STORE unflatten FILE               sops's unflattenTreeBranch(first branch), typed JSON
//	sopsstore [-indent N] STORE value FILE       EmitValue of each top-level value, each followed by LF
//
// STORE is yaml, json, binary, dotenv or ini. The typed JSON form is the
// one tests/lib/doc_dump.c writes for covert's tree:
//
//	map {"m":[[KEY,VALUE],...]}   KEY a string, or {"c":TEXT,"i":INLINE} for a comment
//	list {"l":[VALUE,...]}        comments appear as {"c":TEXT,"i":INLINE}
//	{"s":STR} {"i":"INT"} {"f":"FORMATFLOAT(v,'g',-1,64)"} {"b":BOOL} {"t":RFC3339NANO} null
//	a document is {"docs":[MAP,...]}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
	_ "unsafe" // go:linkname to sops's unexported flatten functions

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/stores/dotenv"
	"github.com/getsops/sops/v3/stores/ini"
	sjson "github.com/getsops/sops/v3/stores/json"
	"github.com/getsops/sops/v3/stores/yaml"
)

type store interface {
	LoadPlainFile([]byte) (sops.TreeBranches, error)
	EmitPlainFile(sops.TreeBranches) ([]byte, error)
	LoadEncryptedFile([]byte) (sops.Tree, error)
	EmitEncryptedFile(sops.Tree) ([]byte, error)
	EmitValue(interface{}) ([]byte, error)
}

func pick(name string, indent int) store {
	switch name {
	case "yaml":
		return yaml.NewStore(&config.YAMLStoreConfig{Indent: indent})
	case "json":
		return sjson.NewStore(&config.JSONStoreConfig{Indent: indent})
	case "binary":
		return sjson.NewBinaryStore(&config.JSONBinaryStoreConfig{Indent: indent})
	case "dotenv":
		return dotenv.NewStore(&config.DotenvStoreConfig{})
	case "ini":
		return ini.NewStore(&config.INIStoreConfig{})
	}
	return nil
}

// The metadata flattening of the dotenv and INI stores is unexported in
// sops; these give the test the very functions sops runs.
//
//go:linkname flattenTreeBranch github.com/getsops/sops/v3/stores.flattenTreeBranch
func flattenTreeBranch(branch sops.TreeBranch, prefix string) (sops.TreeBranch, error)

//go:linkname unflattenTreeBranch github.com/getsops/sops/v3/stores.unflattenTreeBranch
func unflattenTreeBranch(branch sops.TreeBranch) (sops.TreeBranch, error)

func comment(c sops.Comment) interface{} {
	return map[string]interface{}{"c": c.Value, "i": c.Inline}
}

func typed(v interface{}) interface{} {
	switch v := v.(type) {
	case nil:
		return nil
	case sops.TreeBranch:
		items := [][]interface{}{}
		for _, it := range v {
			var k interface{}
			if c, ok := it.Key.(sops.Comment); ok {
				k = comment(c)
			} else {
				k = fmt.Sprint(it.Key)
			}
			items = append(items, []interface{}{k, typed(it.Value)})
		}
		return map[string]interface{}{"m": items}
	case []interface{}:
		items := []interface{}{}
		for _, e := range v {
			items = append(items, typed(e))
		}
		return map[string]interface{}{"l": items}
	case sops.Comment:
		return comment(v)
	case string:
		return map[string]interface{}{"s": v}
	case []byte:
		return map[string]interface{}{"s": string(v)}
	case int:
		return map[string]interface{}{"i": strconv.Itoa(v)}
	case int64:
		return map[string]interface{}{"i": strconv.FormatInt(v, 10)}
	case float64:
		return map[string]interface{}{"f": strconv.FormatFloat(v, 'g', -1, 64)}
	case bool:
		return map[string]interface{}{"b": v}
	case time.Time:
		t, _ := v.MarshalText()
		return map[string]interface{}{"t": string(t)}
	}
	return map[string]interface{}{"unknown": fmt.Sprintf("%T", v)}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	indent := flag.Int("indent", 0, "store indentation")
	prefix := flag.String("prefix", "", "key prefix for flatten")
	to := flag.String("to", "", "store that emits a roundtrip (default: STORE)")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: sopsstore [-indent N] [-prefix P] [-to OUT] STORE roundtrip|tree|encrypted|metadata|flatten|unflatten|value FILE")
		os.Exit(2)
	}
	st := pick(flag.Arg(0), *indent)
	if st == nil {
		fail(fmt.Errorf("unknown store %q", flag.Arg(0)))
	}
	in, err := os.ReadFile(flag.Arg(2))
	if err != nil {
		fail(err)
	}
	var out []byte
	switch flag.Arg(1) {
	case "roundtrip":
		b, err := st.LoadPlainFile(in)
		if err != nil {
			fail(err)
		}
		emitter := st
		if *to != "" {
			if emitter = pick(*to, *indent); emitter == nil {
				fail(fmt.Errorf("unknown store %q", *to))
			}
		}
		out, err = emitter.EmitPlainFile(b)
		if err != nil {
			fail(err)
		}
	case "tree":
		b, err := st.LoadPlainFile(in)
		if err != nil {
			fail(err)
		}
		docs := []interface{}{}
		for _, br := range b {
			docs = append(docs, typed(br))
		}
		out, _ = json.Marshal(map[string]interface{}{"docs": docs})
		out = append(out, '\n')
	case "encrypted":
		t, err := st.LoadEncryptedFile(in)
		if err != nil {
			fail(err)
		}
		out, err = st.EmitEncryptedFile(t)
		if err != nil {
			fail(err)
		}
	case "value":
		b, err := st.LoadPlainFile(in)
		if err != nil {
			fail(err)
		}
		for _, it := range b[0] {
			if _, ok := it.Key.(sops.Comment); ok {
				continue
			}
			v, err := st.EmitValue(it.Value)
			if err != nil {
				fail(err)
			}
			out = append(append(out, v...), '\n')
		}
	case "flatten", "unflatten":
		b, err := st.LoadPlainFile(in)
		if err != nil {
			fail(err)
		}
		var res sops.TreeBranch
		if flag.Arg(1) == "flatten" {
			res, err = flattenTreeBranch(b[0], *prefix)
		} else {
			res, err = unflattenTreeBranch(b[0])
		}
		if err != nil {
			fail(err)
		}
		out, _ = json.Marshal(map[string]interface{}{"docs": []interface{}{typed(res)}})
		out = append(out, '\n')
	case "metadata":
		t, err := st.LoadEncryptedFile(in)
		if err != nil {
			fail(err)
		}
		out, _ = json.MarshalIndent(t.Metadata, "", "  ")
		out = append(out, '\n')
	default:
		fail(fmt.Errorf("unknown action %q", flag.Arg(1)))
	}
	os.Stdout.Write(out)
}
