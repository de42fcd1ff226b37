package main

// --objects-dir: a stand-in for the cluster kustomize-controller reads.
// The ConfigMaps and Secrets of the directory's YAML files are served by a
// controller-runtime fake client (as the API server would: Secret
// stringData merged into data), substituteFrom reads them through
// fluxcd/pkg/kustomize's own LoadVariables, and the decryption Secret is
// imported the way kustomize-controller v1.9.4's Decryptor.ImportKeys does
// it (internal/decryptor/decryptor.go): *.agekey entries through sops's
// age.ParsedIdentities.Import, *.asc into a scratch GnuPG home, the
// sops.vault-token / sops.aws-kms / sops.azure-kv / sops.gcp-kms entries
// kept aside (no KMS is reachable here; age is what the tests encrypt to).
// The identities then decrypt through a key service that applies them to
// every age key, as the controller's internal keyservice.Server does; with
// none imported sops falls back to its own sources (SOPS_AGE_KEY_FILE), as
// the controller falls back to its environment.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/pgp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// clusterClient: the ConfigMap and Secret objects of dir's .yaml/.yml files.
func clusterClient(dir string) (client.Client, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var list []*unstructured.Unstructured
	for _, n := range names {
		objs, err := readObjects(n, isConfigMapOrSecret)
		if err != nil {
			return nil, err
		}
		list = append(list, objs...)
	}
	return typedClient(list)
}

func isConfigMapOrSecret(u *unstructured.Unstructured) bool {
	return u.GetAPIVersion() == "v1" && (u.GetKind() == "ConfigMap" || u.GetKind() == "Secret")
}

type importedKeys struct {
	age     age.ParsedIdentities
	gnuPG   pgp.GnuPGHome
	ignored []string // KMS credentials this peer cannot use
}

// importKeys follows Decryptor.ImportKeys for a Kustomization with
// spec.decryption.secretRef (the --sops-age-secret fallback is not modelled).
func importKeys(ctx context.Context, kube client.Client, obj *kustomizev1.Kustomization) (*importedKeys, error) {
	keys := &importedKeys{}
	d := obj.Spec.Decryption
	if d == nil || d.SecretRef == nil || d.Provider != "sops" {
		return keys, nil
	}
	name := types.NamespacedName{Namespace: obj.GetNamespace(), Name: d.SecretRef.Name}
	var secret corev1.Secret
	if err := kube.Get(ctx, name, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot get sops decryption Secret '%s': %w", name, err)
	}
	entries := make([]string, 0, len(secret.Data))
	for k := range secret.Data {
		entries = append(entries, k)
	}
	sort.Strings(entries)
	for _, k := range entries {
		if err := keys.importEntry(k, secret.Data[k]); err != nil {
			return nil, fmt.Errorf("failed to import '%s' data from sops decryption Secret '%s': %w", k, name, err)
		}
	}
	return keys, nil
}

func (keys *importedKeys) importEntry(name string, value []byte) error {
	switch filepath.Ext(name) {
	case ".agekey":
		return keys.age.Import(string(value))
	case ".asc":
		if keys.gnuPG == "" {
			home, err := pgp.NewGnuPGHome()
			if err != nil {
				return err
			}
			keys.gnuPG = home
		}
		return keys.gnuPG.Import(value)
	}
	switch name {
	case "sops.vault-token", "sops.aws-kms", "sops.azure-kv", "sops.gcp-kms":
		keys.ignored = append(keys.ignored, name)
	}
	return nil
}

func (keys *importedKeys) close() {
	if keys != nil && keys.gnuPG != "" {
		_ = os.RemoveAll(keys.gnuPG.String())
	}
}

func (keys *importedKeys) services() []keyservice.KeyServiceClient {
	return []keyservice.KeyServiceClient{keyservice.NewCustomLocalClient(keyServer{keys})}
}

// keyServer: age keys opened with the imported identities, PGP keys with
// the scratch GnuPG home; everything else as sops's own local server.
type keyServer struct{ keys *importedKeys }

func (s keyServer) Encrypt(ctx context.Context, req *keyservice.EncryptRequest) (*keyservice.EncryptResponse, error) {
	return keyservice.Server{}.Encrypt(ctx, req)
}

func (s keyServer) Decrypt(ctx context.Context, req *keyservice.DecryptRequest) (*keyservice.DecryptResponse, error) {
	switch k := req.Key.KeyType.(type) {
	case *keyservice.Key_AgeKey:
		mk := age.MasterKey{Recipient: k.AgeKey.Recipient}
		s.keys.age.ApplyToMasterKey(&mk)
		mk.EncryptedKey = string(req.Ciphertext)
		plain, err := mk.Decrypt()
		if err != nil {
			return nil, err
		}
		return &keyservice.DecryptResponse{Plaintext: plain}, nil
	case *keyservice.Key_PgpKey:
		mk := pgp.NewMasterKeyFromFingerprint(k.PgpKey.Fingerprint)
		if s.keys.gnuPG != "" {
			s.keys.gnuPG.ApplyToMasterKey(mk)
		}
		mk.EncryptedKey = string(req.Ciphertext)
		plain, err := mk.Decrypt()
		if err != nil {
			return nil, err
		}
		return &keyservice.DecryptResponse{Plaintext: plain}, nil
	}
	if len(s.keys.ignored) > 0 {
		return nil, fmt.Errorf("key type not available here (imported but unused: %s)", strings.Join(s.keys.ignored, ", "))
	}
	return keyservice.Server{}.Decrypt(ctx, req)
}
