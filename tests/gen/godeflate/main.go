// godeflate writes testvectors/godeflate/vectors.json: what Go's own
// compress/gzip and compress/flate writers (the ones source-controller's
// Storage.Archive runs) make of a list of inputs, so that covert's C port
// (reconcile/source/godeflate.c) can be checked byte for byte.
//
// Inputs are not committed: each is described by (gen, seed, size) and
// made by a splitmix64 generator that tests/unit/test_godeflate.c
// reimplements. Inputs are written in pieces of "chunk" bytes (0: one
// write), since that is how the compressor sees them. Tar vectors build a
// tar stream the way Storage.Archive does (sanitized headers, file bodies
// copied through io.Copy's 32 KiB buffer) from listed entries.
//
// Usage: go run . > ../../../testvectors/godeflate/vectors.json
//
//	go run . gzip < in > out   (one file, default level; for debugging)
package main

import (
	"archive/tar"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"time"
)

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var words = []string{
	"apiVersion:", "kind:", "metadata:", "name:", "namespace:", "spec:", "- name:", "image:",
	"the", "flux", "covert", "secret", "value", "data:", "labels:", "app", "  ", "    ",
	"true", "false", "0", "1", "kustomize.toolkit.fluxcd.io/v1", "HelmRelease", "ConfigMap",
	"port: 8080", "replicas: 3", "#", "---", "sops:", "enc:", "ENC[AES256_GCM,data:",
}

// gen makes size bytes of one input class from seed.
func gen(kind string, seed uint64, size int) []byte {
	r := &rng{seed}
	out := make([]byte, 0, size+300)
	switch kind {
	case "zeros", "": // "": an empty file
		out = out[:size]
	case "random":
		for len(out) < size {
			out = append(out, byte(r.next()))
		}
	case "acgt":
		for len(out) < size {
			out = append(out, "ACGT"[r.next()&3])
		}
	case "text":
		for len(out) < size {
			out = append(out, words[r.next()%uint64(len(words))]...)
			if r.next()%8 == 0 {
				out = append(out, '\n')
			} else {
				out = append(out, ' ')
			}
		}
	case "repeat":
		period := int(seed%1000) + 1
		for len(out) < size {
			if len(out) < period {
				out = append(out, byte(r.next()))
			} else {
				out = append(out, out[len(out)-period])
			}
		}
	case "periodic": // random bytes repeated at distance seed
		for len(out) < size {
			if len(out) < int(seed) {
				out = append(out, byte(r.next()))
			} else {
				out = append(out, out[len(out)-int(seed)])
			}
		}
	case "mixed":
		for len(out) < size {
			n := int(r.next()%3000) + 1
			switch r.next() % 4 {
			case 0:
				for i := 0; i < n; i++ {
					out = append(out, words[r.next()%uint64(len(words))]...)
					out = append(out, ' ')
				}
			case 1:
				for i := 0; i < n; i++ {
					out = append(out, byte(r.next()))
				}
			case 2:
				if len(out) == 0 {
					break
				}
				far := len(out)
				if far > 40000 {
					far = 40000
				}
				d := int(r.next()%uint64(far)) + 1
				for i := 0; i < n; i++ {
					out = append(out, out[len(out)-d])
				}
			default:
				b := byte(r.next())
				for i := 0; i < n; i++ {
					out = append(out, b)
				}
			}
		}
	default:
		panic("unknown generator " + kind)
	}
	return out[:size]
}

type entry struct {
	Type string `json:"type"` // "d" or "f"
	Path string `json:"path"`
	Exec bool   `json:"exec,omitempty"`
	Gen  string `json:"gen,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
	Size int    `json:"size,omitempty"`
}

type vector struct {
	Name    string  `json:"name"`
	Gen     string  `json:"gen,omitempty"`
	Seed    uint64  `json:"seed,omitempty"`
	Size    int     `json:"size"`
	Chunk   int     `json:"chunk"`
	Level   int     `json:"level"`
	Gzip    bool    `json:"gzip"`
	Entries []entry `json:"entries,omitempty"`
	TarSHA  string  `json:"tar_sha256,omitempty"`
	OutLen  int     `json:"out_len"`
	OutSHA  string  `json:"out_sha256"`
	OutHex  string  `json:"out_hex,omitempty"`
}

type sink struct{ bytes.Buffer }

func compress(v *vector, write func(w io.Writer)) {
	var out bytes.Buffer
	var w io.WriteCloser
	var err error
	if v.Gzip {
		w, err = gzip.NewWriterLevel(&out, v.Level)
		if v.Level == flate.DefaultCompression {
			w = gzip.NewWriter(&out) // what Storage.Archive calls
		}
	} else {
		w, err = flate.NewWriter(&out, v.Level)
	}
	if err != nil {
		panic(err)
	}
	write(w)
	if err := w.Close(); err != nil {
		panic(err)
	}
	sum := sha256.Sum256(out.Bytes())
	v.OutLen = out.Len()
	v.OutSHA = hex.EncodeToString(sum[:])
	if out.Len() <= 2048 {
		v.OutHex = hex.EncodeToString(out.Bytes())
	}
}

func plain(v *vector) {
	in := gen(v.Gen, v.Seed, v.Size)
	compress(v, func(w io.Writer) {
		for p := in; len(p) > 0; {
			n := len(p)
			if v.Chunk > 0 && n > v.Chunk {
				n = v.Chunk
			}
			if _, err := w.Write(p[:n]); err != nil {
				panic(err)
			}
			p = p[n:]
		}
	})
}

// tarStream writes the entries as Storage.Archive does.
func tarStream(v *vector, w io.Writer) {
	tw := tar.NewWriter(w)
	for _, e := range v.Entries {
		h := &tar.Header{Name: e.Path, ModTime: time.Time{}}
		var body []byte
		if e.Type == "d" {
			h.Typeflag, h.Mode = tar.TypeDir, 0o750
		} else {
			h.Typeflag, h.Mode = tar.TypeReg, 0o600
			if e.Exec {
				h.Mode = 0o700
			}
			body = gen(e.Gen, e.Seed, e.Size)
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		// A reader without WriteTo: io.Copy's 32 KiB buffer, as for an *os.File.
		if _, err := io.Copy(tw, struct{ io.Reader }{bytes.NewReader(body)}); err != nil {
			panic(err)
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
}

func tarVector(v *vector) {
	h := sha256.New()
	tarStream(v, h)
	v.TarSHA = hex.EncodeToString(h.Sum(nil))
	compress(v, func(w io.Writer) { tarStream(v, w) })
}

func vectors() []*vector {
	var vs []*vector
	add := func(name, g string, seed uint64, size, chunk, level int, gz bool) {
		vs = append(vs, &vector{Name: name, Gen: g, Seed: seed, Size: size, Chunk: chunk, Level: level, Gzip: gz})
	}
	def := flate.DefaultCompression
	add("empty", "zeros", 0, 0, 0, def, true)
	add("one-byte", "random", 1, 1, 0, def, true)
	for _, n := range []int{2, 3, 4, 5, 6, 16, 100, 257, 258, 261, 262, 263, 520} {
		add("text-small", "text", uint64(n), n, 0, def, true)
		add("random-small", "random", uint64(n), n, 0, def, true)
		add("repeat-small", "repeat", uint64(n), n, 0, def, true)
	}
	for _, n := range []int{16383, 16384, 16385, 32767, 32768, 32769, 65274, 65535, 65536, 65537, 98304, 131079} {
		add("random", "random", uint64(n), n, 0, def, true)
		add("text", "text", uint64(n), n, 0, def, true)
		add("mixed", "mixed", uint64(n), n, 0, def, true)
		add("acgt", "acgt", uint64(n), n, 0, def, true)
		add("zeros", "zeros", 0, n, 0, def, true)
	}
	for _, seed := range []uint64{1, 2, 3, 4, 7, 63, 257, 258, 999} {
		add("repeat", "repeat", seed, 100000, 0, def, true)
	}
	add("zeros-blocks", "zeros", 0, 16384*258+1000, 0, def, true)
	add("text-5mb", "text", 5, 5<<20, 32768, def, true)
	add("mixed-3mb", "mixed", 3, 3<<20, 0, def, true)
	add("random-2mb", "random", 2, 2<<20, 0, def, true)
	add("mixed-20mb-rebase", "mixed", 20, 20<<20, 32768, def, true)
	// Matches at distance 32766 (or 32508) put a match start exactly where
	// the window slides early when a write ends just before the window is
	// full: Go's own output differs between these write sizes.
	for _, c := range []int{0, 1, 100, 32768, 65535} {
		add("slide-corner", "periodic", 32766, 100000, c, def, true)
		add("slide-corner", "periodic", 32508, 100000, c, def, true)
	}
	for _, c := range []int{1, 7, 512, 1000, 32768, 65536} {
		add("mixed-chunked", "mixed", 11, 200000, c, def, true)
	}
	for lvl := 4; lvl <= 9; lvl++ {
		add("mixed-level", "mixed", uint64(lvl), 300000, 0, lvl, true)
		add("text-level", "text", uint64(lvl), 300000, 0, lvl, false)
	}
	add("raw-empty", "zeros", 0, 0, 0, def, false)
	add("raw-mixed", "mixed", 9, 70000, 0, def, false)
	for _, v := range vs {
		plain(v)
	}
	for _, v := range tarVectors() {
		tarVector(v)
		vs = append(vs, v)
	}
	return vs
}

func tarVectors() []*vector {
	small := []entry{
		{Type: "d", Path: "."},
		{Type: "d", Path: "apps"},
		{Type: "f", Path: "apps/cm.yaml", Gen: "text", Seed: 1, Size: 300},
		{Type: "f", Path: "apps/kustomization.yaml", Gen: "text", Seed: 2, Size: 40},
		{Type: "f", Path: "run.sh", Exec: true, Gen: "text", Seed: 3, Size: 12},
		{Type: "f", Path: "empty.yaml"},
	}
	big := []entry{{Type: "d", Path: "."}, {Type: "d", Path: "d"}}
	r := &rng{42}
	for i := 0; i < 400; i++ {
		gens := []string{"text", "mixed", "random", "repeat", "zeros"}
		g := gens[r.next()%5]
		size := int(r.next() % 20000)
		if i%50 == 0 {
			size = int(r.next() % 300000)
		}
		big = append(big, entry{Type: "f", Path: "d/f" + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i >> 8), byte(i)}) + ".yaml",
			Gen: g, Seed: uint64(i), Size: size, Exec: i%37 == 0})
	}
	long := []entry{
		{Type: "d", Path: "."},
		{Type: "d", Path: "a-very-long-directory-name-that-goes-on-and-on-and-on-for-quite-a-while-0123456789"},
		{Type: "f", Path: "a-very-long-directory-name-that-goes-on-and-on-and-on-for-quite-a-while-0123456789/and-a-file-name-that-is-also-rather-long.yaml", Gen: "text", Seed: 9, Size: 5000},
		{Type: "f", Path: "ünïcödé.yaml", Gen: "text", Seed: 10, Size: 100},
	}
	return []*vector{
		{Name: "tar-small", Level: flate.DefaultCompression, Gzip: true, Entries: small},
		{Name: "tar-400-files", Level: flate.DefaultCompression, Gzip: true, Entries: big},
		{Name: "tar-pax-names", Level: flate.DefaultCompression, Gzip: true, Entries: long},
		{Name: "tar-empty", Level: flate.DefaultCompression, Gzip: true, Entries: []entry{{Type: "d", Path: "."}}},
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "gzip" {
		in, _ := io.ReadAll(os.Stdin)
		w := gzip.NewWriter(os.Stdout)
		w.Write(in)
		w.Close()
		return
	}
	vs := vectors()
	for _, v := range vs {
		if v.Level == flate.DefaultCompression {
			v.Level = 6
		}
	}
	doc := map[string]any{"go": runtime.Version(), "vectors": vs}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
}
