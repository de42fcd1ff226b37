package main

// Decryption of built resources the way kustomize-controller's decryptor
// (internal/decryptor/decryptor.go, v1.9.4) does it: objects with a top-level
// sops map holding a mac go through the JSON store whole; Secret data values
// that are whole SOPS documents are decrypted one by one and re-emitted in
// the format of their key's extension. The MAC is not verified (the
// controller never sets checkSopsMac). Identities: sops's own key sources
// (SOPS_AGE_KEY_FILE).

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"sigs.k8s.io/kustomize/api/resource"
)

const noFormat = formats.Format(-1)

// Marker bytes per store; JSON first (binary files are JSON on disk and share
// its marker, so the choice between the two does not change the result).
var sopsMarkers = []struct {
	f      formats.Format
	marker []byte
}{
	{formats.Json, []byte("\"mac\": \"ENC[")},
	{formats.Yaml, []byte("mac: ENC[")},
	{formats.Dotenv, []byte("sops_mac=ENC[")},
	{formats.Ini, []byte("[sops]")},
}

func decryptionDisabled(res *resource.Resource) bool {
	return strings.EqualFold(res.GetAnnotations()[ksGroup+"/decrypt"], kustomizev1.DisabledValue)
}

func decryptResource(obj *kustomizev1.Kustomization, res *resource.Resource, keys *importedKeys) (*resource.Resource, error) {
	d := obj.Spec.Decryption
	if d == nil || d.Provider == "" || decryptionDisabled(res) || d.Provider != "sops" {
		return nil, nil
	}
	switch {
	case hasSopsMac(res):
		js, err := res.MarshalJSON()
		if err != nil {
			return nil, err
		}
		plain, err := sopsDecrypt(js, formats.Json, formats.Json, keys)
		if err != nil {
			return nil, fmt.Errorf("failed to decrypt and format '%s/%s' %s data: %w",
				res.GetNamespace(), res.GetName(), res.GetKind(), err)
		}
		if err := res.UnmarshalJSON(plain); err != nil {
			return nil, fmt.Errorf("failed to unmarshal decrypted '%s/%s' %s to JSON: %w",
				res.GetNamespace(), res.GetName(), res.GetKind(), err)
		}
		return res, nil
	case res.GetKind() == "Secret":
		data := res.GetDataMap()
		for key, value := range data {
			raw, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				continue
			}
			in := markerFormat(raw)
			if in == noFormat {
				continue
			}
			plain, err := sopsDecrypt(raw, in, keyFormat(key), keys)
			if err != nil {
				return nil, fmt.Errorf("failed to decrypt and format '%s/%s' Secret field '%s': %w",
					res.GetNamespace(), res.GetName(), key, err)
			}
			data[key] = base64.StdEncoding.EncodeToString(plain)
		}
		res.SetDataMap(data)
		return res, nil
	}
	return nil, nil
}

func hasSopsMac(res *resource.Resource) bool {
	f := res.Field("sops")
	if f.IsNilOrEmpty() {
		return false
	}
	return !f.Value.Field("mac").IsNilOrEmpty()
}

func markerFormat(b []byte) formats.Format {
	for _, m := range sopsMarkers {
		if bytes.Contains(b, m.marker) {
			return m.f
		}
	}
	return noFormat
}

func keyFormat(key string) formats.Format {
	if strings.HasSuffix(key, ".dockerconfigjson") {
		return formats.Json
	}
	return formats.FormatForPath(key)
}

func sopsDecrypt(data []byte, in, out formats.Format, keys *importedKeys) (plain []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("failed to emit encrypted file as decrypted: %v", r)
		}
	}()
	tree, err := common.StoreForFormat(in, config.NewStoresConfig()).LoadEncryptedFile(data)
	if err != nil {
		return nil, fmt.Errorf("failed to load encrypted data: %w", err)
	}
	var key []byte
	if keys != nil {
		key, err = tree.Metadata.GetDataKeyWithKeyServices(keys.services(), sops.DefaultDecryptionOrder)
	} else {
		key, err = tree.Metadata.GetDataKey()
	}
	if err != nil {
		return nil, fmt.Errorf("cannot get sops data key: %w", err)
	}
	if _, err := tree.Decrypt(key, aes.NewCipher()); err != nil {
		return nil, fmt.Errorf("error decrypting sops tree: %w", err)
	}
	return common.StoreForFormat(out, config.NewStoresConfig()).EmitPlainFile(tree.Branches)
}
