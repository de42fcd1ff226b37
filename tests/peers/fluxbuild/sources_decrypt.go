package main

// Decryption of kustomize sources before the build, as kustomize-controller
// v1.9.4's Decryptor.DecryptSources does it (internal/decryptor, which
// cannot be imported: this follows its code path for path): starting at the
// Kustomization's directory (whose kustomization file the generator has just
// written), every kustomization file reachable through resources and
// components inside the root is loaded, and the files its secretGenerator
// entries (files, envs) and patches[].path name are decrypted in place when
// they carry their format's SOPS marker. Paths go through securejoin (".."
// never leaves the root); files are lstat-ed, must be regular and at most
// 5 MiB; the MAC is not checked.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

const maxEncryptedFileSize = 5 << 20

// The marker decryptSourceFile looks for, per input format.
var sourceMarkers = map[formats.Format][]byte{
	formats.Binary: []byte("\"mac\": \"ENC["),
	formats.Dotenv: []byte("sops_mac=ENC["),
	formats.Ini:    []byte("[sops]"),
	formats.Json:   []byte("\"mac\": \"ENC["),
	formats.Yaml:   []byte("mac: ENC["),
}

// errIgnore marks a resource that is not a directory to recurse into.
type errIgnore struct{ err error }

func (e *errIgnore) Error() string { return e.err.Error() }

type sourceDecryptor struct {
	root    string
	keys    *importedKeys
	done    map[string]bool // files decrypted
	visited map[string]bool // directories loaded
}

func decryptSources(root, dirPath string, keys *importedKeys) error {
	d := &sourceDecryptor{root: root, keys: keys, done: map[string]bool{}, visited: map[string]bool{}}
	return d.recurse(dirPath)
}

func stripRoot(root, path string) string {
	sep := string(filepath.Separator)
	root, path = filepath.Clean(sep+root), filepath.Clean(sep+path)
	switch {
	case path == root:
		path = sep
	case root == sep:
	case strings.HasPrefix(path, root+sep):
		path = strings.TrimPrefix(path, root+sep)
	}
	return filepath.Clean(filepath.Join("."+sep, path))
}

func (d *sourceDecryptor) secure(path string) (string, string, error) {
	if filepath.IsAbs(path) {
		path = stripRoot(d.root, path)
	}
	abs, err := securejoin.SecureJoin(d.root, path)
	if err != nil {
		return "", "", err
	}
	return abs, stripRoot(d.root, abs), nil
}

func (d *sourceDecryptor) pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: stripRoot(d.root, pe.Path), Err: pe.Err}
	}
	return err
}

func (d *sourceDecryptor) recurse(path string) error {
	abs, rel, err := d.secure(path)
	if err != nil {
		return err
	}
	if d.visited[abs] {
		return nil
	}
	d.visited[abs] = true
	fi, err := os.Lstat(abs)
	if err != nil {
		err = d.pathErr(err)
		if errors.Is(err, fs.ErrNotExist) {
			return &errIgnore{err}
		}
		return err
	}
	if !fi.IsDir() {
		return &errIgnore{fmt.Errorf("not a directory")}
	}
	kus, err := d.load(rel)
	if err != nil {
		return err
	}
	if err := d.visit(path, kus); err != nil {
		return err
	}
	for _, res := range append(kus.Resources, kus.Components...) {
		if !filepath.IsAbs(res) {
			res = filepath.Join(path, res)
		}
		if err := d.recurse(res); err != nil {
			if _, ok := err.(*errIgnore); !ok {
				return err
			}
		}
	}
	return nil
}

func (d *sourceDecryptor) load(rel string) (*kustypes.Kustomization, error) {
	var found string
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p, err := securejoin.SecureJoin(d.root, filepath.Join(rel, name))
		if err != nil {
			return nil, fmt.Errorf("failed to secure join %s: %w", name, err)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("failed to lstat %s: %w", name, d.pathErr(err))
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("expected %s to be a regular file", name)
		}
		if found != "" {
			return nil, fmt.Errorf("found multiple kustomization files")
		}
		found = p
	}
	if found == "" {
		return nil, fmt.Errorf("no kustomization file found")
	}
	data, err := os.ReadFile(found)
	if err != nil {
		return nil, fmt.Errorf("failed to read kustomization file: %w", d.pathErr(err))
	}
	kus := kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{
		APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind}}
	if err := yaml.Unmarshal(data, &kus); err != nil {
		return nil, fmt.Errorf("failed to unmarshal kustomization file from '%s': %w", found, err)
	}
	return &kus, nil
}

func isRemoteURL(p string) bool {
	u, err := url.Parse(p)
	return err == nil && u.Scheme != "" && u.Host != ""
}

func (d *sourceDecryptor) visit(path string, kus *kustypes.Kustomization) error {
	ref := func(src string, f formats.Format) error {
		if !filepath.IsAbs(src) {
			src = filepath.Join(path, src)
		}
		abs, _, err := d.secure(src)
		if err != nil {
			return err
		}
		if d.done[abs] {
			return nil
		}
		if err := d.file(abs, f); err != nil {
			return d.pathErr(err)
		}
		d.done[abs] = true
		return nil
	}
	for _, gen := range kus.SecretGenerator {
		for _, src := range gen.FileSources {
			parts := strings.SplitN(src, "=", 2)
			key, file := parts[0], parts[0]
			if len(parts) > 1 {
				file = parts[1]
			}
			if err := ref(file, keyFormat(key)); err != nil {
				return err
			}
		}
		for _, env := range gen.EnvSources {
			f := keyFormat(env)
			if f == formats.Binary {
				f = formats.Dotenv
			}
			if err := ref(env, f); err != nil {
				return err
			}
		}
	}
	for _, p := range kus.Patches {
		if p.Path == "" || isRemoteURL(p.Path) {
			continue
		}
		if err := ref(p.Path, keyFormat(p.Path)); err != nil {
			return err
		}
	}
	return nil
}

func (d *sourceDecryptor) file(path string, f formats.Format) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("cannot decrypt irregular file as it has file mode type bits set")
	}
	if fi.Size() > maxEncryptedFileSize {
		return fmt.Errorf("cannot decrypt file with size (%d bytes) exceeding limit (%d)", fi.Size(), maxEncryptedFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, sourceMarkers[f]) {
		return nil
	}
	plain, err := sopsDecrypt(data, f, f, d.keys)
	if err != nil {
		return err
	}
	return os.WriteFile(path, plain, 0o600)
}
