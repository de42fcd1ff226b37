// fluxsrc runs Flux's own source code (fluxcd/pkg git/gogit, sourceignore,
// artifact/storage, version + Masterminds/semver at the versions
// source-controller pins) so covert's Git source can be compared with it:
//
//	fluxsrc fetch [flags] URL   clone as source-controller does, then archive
//	fluxsrc archive [-ignore S] DIR   archive DIR as source-controller does
//	fluxsrc semver              stdin lines "CONSTRAINT<TAB>VERSION" ->
//	                            "CONSTRAINT<TAB>VERSION<TAB>RESULT"
//
// fetch and archive print "revision:", "digest:" (Flux's artifact digest of
// the .tar.gz), "tar-sha256:" (sha256 of the uncompressed tar stream),
// "files:" (regular files in the artifact) and, with -list, one line per
// tar entry "TYPE MODE NAME".
//
// fetch flags mirror GitRepository.spec.ref: -branch -tag -semver -name
// -commit; -secret FILE is a Kubernetes Secret manifest (data/stringData);
// -ignore is spec.ignore; -last is status.artifact.revision (optimized
// clone). RESULT of semver is true, false, badconstraint or badversion.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/git"
	"github.com/fluxcd/pkg/git/gogit"
	"github.com/fluxcd/pkg/git/repository"
	"github.com/fluxcd/pkg/sourceignore"
	"github.com/fluxcd/pkg/version"
	"go.yaml.in/yaml/v3"
)

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "fluxsrc: "+format+"\n", a...)
	os.Exit(1)
}

type secret struct {
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

func readSecret(path string) map[string][]byte {
	out := map[string][]byte{}
	if path == "" {
		return out
	}
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	var s secret
	if err := yaml.Unmarshal(b, &s); err != nil {
		die("secret: %v", err)
	}
	for k, v := range s.Data {
		d, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			die("secret: data.%s: %v", k, err)
		}
		out[k] = d
	}
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out
}

// archive does what GitRepositoryReconciler.reconcileArtifact does with a
// checkout: load .sourceignore files, append spec.ignore, Storage.Archive.
func archive(dir string, ignore *string, list bool) {
	dir, _ = filepath.Abs(dir)
	domain := strings.Split(dir, string(filepath.Separator))
	ps, err := sourceignore.LoadIgnorePatterns(dir, domain)
	if err != nil {
		die("ignore: %v", err)
	}
	if ignore != nil {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(*ignore), domain)...)
	}
	store, err := os.MkdirTemp("", "fluxsrc-store")
	if err != nil {
		die("%v", err)
	}
	defer os.RemoveAll(store)
	st := storage.Storage{BasePath: store, Hostname: "localhost"}
	art := meta.Artifact{Path: "artifact.tar.gz"}
	if err := st.Archive(&art, dir, storage.SourceIgnoreFilter(ps, domain)); err != nil {
		die("archive: %v", err)
	}
	fmt.Printf("digest: %s\n", art.Digest)
	describe(filepath.Join(store, art.Path), list)
}

func describe(path string, list bool) {
	f, err := os.Open(path)
	if err != nil {
		die("%v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		die("%v", err)
	}
	h := sha256.New()
	tr := tar.NewReader(io.TeeReader(gz, h))
	var lines []string
	files := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			die("tar: %v", err)
		}
		t := "d"
		if hdr.Typeflag == tar.TypeReg {
			t = "f"
			files++
		}
		lines = append(lines, fmt.Sprintf("%s %o %s", t, hdr.Mode, hdr.Name))
	}
	io.Copy(io.Discard, gz) // the tar trailer and padding count too
	fmt.Printf("tar-sha256: %x\nfiles: %d\n", h.Sum(nil), files)
	if list {
		for _, l := range lines {
			fmt.Println(l)
		}
	}
}

func fetch(args []string) {
	fs := flag.NewFlagSet("fetch", flag.ExitOnError)
	var cs repository.CheckoutStrategy
	fs.StringVar(&cs.Branch, "branch", "", "")
	fs.StringVar(&cs.Tag, "tag", "", "")
	fs.StringVar(&cs.SemVer, "semver", "", "")
	fs.StringVar(&cs.RefName, "name", "", "")
	fs.StringVar(&cs.Commit, "commit", "", "")
	secretFile := fs.String("secret", "", "")
	ignore := fs.String("ignore", "\x00", "")
	last := fs.String("last", "", "")
	list := fs.Bool("list", false, "")
	fs.Parse(args)
	if fs.NArg() != 1 {
		die("fetch: one URL")
	}
	raw := fs.Arg(0)
	u, err := url.Parse(raw)
	if err != nil {
		die("%v", err)
	}
	auth, err := git.NewAuthOptions(*u, readSecret(*secretFile))
	if err != nil {
		die("auth: %v", err)
	}
	dir, err := os.MkdirTemp("", "fluxsrc-clone")
	if err != nil {
		die("%v", err)
	}
	defer os.RemoveAll(dir)
	opts := []gogit.ClientOption{gogit.WithDiskStorage()}
	if auth.Transport == git.HTTP {
		opts = append(opts, gogit.WithInsecureCredentialsOverHTTP())
	}
	c, err := gogit.NewClient(dir, auth, opts...)
	if err != nil {
		die("client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := repository.CloneConfig{CheckoutStrategy: cs, ShallowClone: true, LastObservedCommit: *last}
	commit, err := c.Clone(ctx, raw, cfg)
	if err != nil {
		die("clone: %v", err)
	}
	rev := commit.String()
	if cs.RefName != "" {
		rev = commit.AbsoluteReference()
	}
	fmt.Printf("revision: %s\n", rev)
	if *last != "" && !git.IsConcreteCommit(*commit) {
		fmt.Println("unchanged: true")
		return
	}
	var ign *string
	if *ignore != "\x00" {
		ign = ignore
	}
	archive(dir, ign, *list)
}

func semverCheck() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 2)
		if len(parts) != 2 {
			continue
		}
		res := "false"
		c, err := semver.NewConstraint(parts[0])
		if err != nil {
			res = "badconstraint"
		} else if v, err := version.ParseVersion(parts[1]); err != nil {
			res = "badversion"
		} else if c.Check(v) {
			res = "true"
		}
		fmt.Printf("%s\t%s\t%s\n", parts[0], parts[1], res)
	}
}

func main() {
	if len(os.Args) < 2 {
		die("usage: fluxsrc fetch|archive|semver ...")
	}
	switch os.Args[1] {
	case "fetch":
		fetch(os.Args[2:])
	case "archive":
		fs := flag.NewFlagSet("archive", flag.ExitOnError)
		ignore := fs.String("ignore", "\x00", "")
		list := fs.Bool("list", false, "")
		fs.Parse(os.Args[2:])
		var ign *string
		if *ignore != "\x00" {
			ign = ignore
		}
		archive(fs.Arg(0), ign, *list)
	case "semver":
		semverCheck()
	default:
		die("unknown command %s", os.Args[1])
	}
}
